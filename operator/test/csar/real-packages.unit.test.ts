/** The two real EdgeGallery packages in shared/testdata parse, and their placeholder hashes meet the policy. */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Value } from 'typebox/value';
import { AppRuleSpec } from '../../src/api/apprule.js';
import { openCsar, verifyPackage, type CsarPackage } from '../../src/csar/index.js';
import { sandbox } from './support/packages.js';
import { edgegalleryTestdata } from '../support/testdata.js';

/** shared/ sits beside the repository (../shared from its root). */
const TESTDATA = edgegalleryTestdata();

describe('csar: real EdgeGallery packages', function () {
  let box: Awaited<ReturnType<typeof sandbox>>;
  let etherpad: CsarPackage;
  let posiu: CsarPackage;

  before(async function () {
    assert.ok(existsSync(TESTDATA), `test data not found at ${TESTDATA}`);
    box = await sandbox();
    etherpad = await openCsar(join(TESTDATA, 'etherpad.csar'), box.scratch);
    posiu = await openCsar(join(TESTDATA, 'test-posiu-apprules.csar'), box.scratch);
  });
  after(async () => box.remove());

  describe('etherpad.csar (APPD as a directory)', function () {
    it('reads the app metadata from the manifest', function () {
      assert.deepEqual(etherpad.app, {
        name: 'etherpad', provider: 'Huawei', version: '1.0', class: 'container', type: 'container',
        description: '111111111', releaseTime: '2021-03-24 16:24',
      });
    });

    it('finds the APPD in the directory layout', function () {
      assert.equal(etherpad.appd.layout, 'directory');
      assert.equal(etherpad.appd.source, 'APPD/Definition/MainServiceTemplate.yaml');
      assert.equal(etherpad.appd.appName, 'positioning-service');
      assert.equal(etherpad.appd.appSupportMp1, true);
      assert.equal(etherpad.appd.trafficRules.length, 1);
      assert.equal(etherpad.appd.dnsRules.length, 1);
      assert.deepEqual(etherpad.appd.servicesRequired, []); // all commented out in the APPD
      assert.deepEqual(etherpad.appd.compute, { cpu: 4, memoryMiB: 4096, storageGiB: 20 });
      assert.deepEqual(etherpad.appd.inputs['network1_vlanid'], { type: 'string', default: '1001', description: 'network1_vlanid' });
    });

    it('copies the chart into the work dir and reads Chart.yaml', async function () {
      assert.equal(etherpad.charts.length, 1);
      const [chart] = etherpad.charts;
      assert.equal(chart?.name, 'etherpad9da310a0-b3ab-47');
      assert.equal(chart?.version, '1.0');
      assert.equal(chart?.source, 'Artifacts/Deployment/Charts/etherpad.tgz');
      assert.match(chart?.sha256 ?? '', /^[0-9a-f]{64}$/);
      assert.ok(chart?.path.startsWith(etherpad.workDir + '/'));
      assert.equal((await stat(chart?.path ?? '')).size, 1520);
    });

    it('reads the image list', function () {
      assert.deepEqual(etherpad.images.map((image) => [image.name, image.swImage, image.architecture]),
        [['etherpad:latest', '119.8.36.45/developer/etherpad:latest', 'X86']]);
    });
  });

  describe('test-posiu-apprules.csar (APPD as MainServiceTemplate.zip)', function () {
    it('reads the app metadata from the manifest', function () {
      assert.equal(posiu.app.name, 'test_posiu');
      assert.equal(posiu.app.provider, 'Huawei');
      assert.equal(posiu.app.version, 'v1.0');
      assert.equal(posiu.app.class, 'container');
    });

    it('finds the APPD inside the zip, next to the extra types file', function () {
      assert.equal(posiu.appd.layout, 'zip');
      assert.equal(posiu.appd.source, 'APPD/MainServiceTemplate.zip');
      assert.equal(posiu.appd.path, 'APPD/MainServiceTemplate.zip!Definition/MainServiceTemplate.yaml');
      assert.equal(posiu.appd.appName, 'test_posiu');
    });

    it('has one traffic rule and one DNS rule, normalised to the CRD shape', function () {
      assert.equal(posiu.appd.trafficRules.length, 1);
      assert.equal(posiu.appd.dnsRules.length, 1);
      const [rule] = posiu.appd.trafficRules;
      assert.deepEqual(rule?.dstInterface?.[0]?.tunnelInfo, { tunnelType: 'GTP_U', tunnelDstAddress: '10.10.10.10', tunnelSrcAddress: '11.11.11.11' });
      assert.deepEqual(rule?.trafficFilter[0]?.dstPort, ['8080']);
      assert.deepEqual(posiu.appd.dnsRules[0], { dnsRuleId: 'dnsRule1', domainName: 'positioningservice.org', ipAddressType: 'IP_V4', ipAddress: '172.30.2.17', ttl: 100 });
      const spec = { hostRef: { name: 'edge-1' }, appInstanceId: 'inst-1', appName: posiu.appd.appName, appSupportMp1: true,
        appTrafficRule: posiu.appd.trafficRules, appDNSRule: posiu.appd.dnsRules };
      assert.ok(Value.Check(AppRuleSpec, spec), JSON.stringify([...Value.Errors(AppRuleSpec, spec)]));
      assert.deepEqual(posiu.warnings, []);
    });

    it('reads services, chart and images', function () {
      assert.deepEqual(posiu.appd.servicesRequired, [{
        serName: 'service-discovery', version: '1.0', requestedPermissions: true,
        appId: 'ea8ebc1a-db88-11ea-87d0-0242ac130003', packageId: 'b1bb0ce7-ebca-4fa7-95ed-4840d70a1177',
      }]);
      assert.deepEqual(posiu.appd.servicesProduced, [{ serName: 'positioning-service', version: '1.0', dnsRuleIdList: ['dnsRule1'], trafficRuleIdList: ['trafficRule1'] }]);
      assert.deepEqual(posiu.charts.map((chart) => [chart.name, chart.version]), [['testposiu6c3c4c77-0b5f-4d', '1.0']]);
      assert.deepEqual(posiu.images.map((image) => image.name), ['positioning_service:1.0', 'mep-agent:latest']);
    });

    it('wrote only into its work dir under the scratch dir', async function () {
      assert.deepEqual((await readdir(posiu.workDir)).sort(), ['chart-0-testposiu.tgz', 'nested-1-MainServiceTemplate.zip']);
      assert.equal(dirname(posiu.workDir), box.scratch);
    });
  });

  describe('placeholder manifest hashes', function () {
    for (const name of ['etherpad', 'posiu'] as const) {
      const pkg = () => (name === 'etherpad' ? etherpad : posiu);

      it(`${name}: every record is reported as a mismatch`, function () {
        assert.deepEqual(pkg().hashes.map((check) => check.status), ['mismatch', 'mismatch']);
      });

      it(`${name}: Strict refuses with ManifestHashMismatch naming the files`, async function () {
        const result = await verifyPackage(pkg(), { manifestHashes: 'Strict', signature: 'IfPresent' });
        assert.equal(result.verified, false);
        assert.ok(!result.verified && result.fatal);
        assert.equal(result.reason, 'ManifestHashMismatch');
        for (const check of pkg().hashes) assert.ok(result.message.includes(check.source), result.message);
      });

      it(`${name}: Warn reports ManifestHashMismatch without refusing`, async function () {
        const result = await verifyPackage(pkg(), { manifestHashes: 'Warn', signature: 'IfPresent' });
        assert.ok(!result.verified);
        assert.equal(result.fatal, false);
        assert.equal(result.reason, 'ManifestHashMismatch');
        assert.match(result.message, /accepted anyway/);
      });

      it(`${name}: Skip gives VerificationSkipped`, async function () {
        const result = await verifyPackage(pkg(), { manifestHashes: 'Skip', signature: 'Skip' });
        assert.deepEqual([result.verified, result.reason], [true, 'VerificationSkipped']);
      });

      it(`${name}: Required signature on an unsigned package gives SignatureMissing`, async function () {
        const result = await verifyPackage(pkg(), { manifestHashes: 'Skip', signature: 'Required', trustedCaPem: 'unused' });
        assert.ok(!result.verified && result.fatal);
        assert.equal(result.reason, 'SignatureMissing');
      });
    }
  });
});
