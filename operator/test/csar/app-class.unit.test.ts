/**
 * VM packages are refused as UnsupportedAppClass, however EdgeGallery marks them (the manifest's
 * app_class, the APPD's, VM disk images, VDU software images without a chart) and however they
 * are zipped; container packages that share VM-looking fields keep opening.
 */
import assert from 'node:assert/strict';
import { openCsar, type CsarPackage } from '../../src/csar/index.js';
import { APPD_YAML, manifestText, METADATA, sandboxWithChart, SW_IMAGE_DESC, validFiles, withManifest, zipOf, type Files } from './support/packages.js';
import { buildZip } from './support/zip-builder.js';

const META = 'TOSCA-Metadata/TOSCA.meta';
const MAIN = 'APPD/Definition/MainServiceTemplate.yaml';
const CHART = 'Artifacts/Deployment/Charts/demo.tgz';
const IMAGES = 'Image/SwImageDesc.json';

/** A VM APPD shaped like EdgeGallery's developer template: a VDU with a software image, its ports and networks. */
const VM_APPD = `tosca_definitions_version: tosca_simple_profile_yaml_1_2
description: EG MEC VM
metadata:
  template_name: EDGEGALLERY-MEC-VM
  vnfd_name: ubuntu-vm
topology_template:
  inputs:
    app_mp1_ip: {type: string, default: ''}
  node_templates:
    Simple_VNF:
      type: tosca.nodes.nfv.VNF
      properties: {provider: Tests, product_name: ubuntu-vm, software_version: '1.0'}
    EMS_VDU1:
      type: tosca.nodes.nfv.Vdu.Compute
      capabilities:
        virtual_compute:
          properties:
            virtual_memory: {virtual_mem_size: 4096}
            virtual_cpu: {num_virtual_cpu: 2}
            virtual_local_storage: {size_of_storage: 40}
      properties:
        name: ubuntu
        sw_image_data: {name: ubuntu_18_04}
        bootdata: {config_drive: true}
    EMS_VDU1_CP0:
      type: tosca.nodes.nfv.VduCp
      requirements: [{virtual_binding: EMS_VDU1}, {virtual_link: MEC_APP_MP1}]
    MEC_APP_MP1:
      type: tosca.nodes.nfv.VnfVirtualLink
      properties: {vl_profile: {network_name: mec_network_mep}}
    app_configuration:
      type: tosca.nodes.nfv.app.configuration
      properties:
        certification_info: {access_key_id: ak, secret_key: sk}
`;

const image = (fields: Record<string, unknown>) => JSON.stringify([{ id: '1', name: 'ubuntu_18_04', version: '18.04', containerFormat: 'bare', diskFormat: 'qcow2',
  swImage: 'Image/ubuntu.zip/ubuntu/ubuntu_18_04.qcow2', architecture: 'x86', ...fields }]);

/** The package EdgeGallery's developer platform exports for a VM app: APPD zip, qcow2 image, app_class vm, no chart. */
function vmFiles(metadata: Record<string, string> = { ...METADATA, app_type: 'vm', app_class: 'vm' }): Files {
  const files: Files = {
    [META]: 'TOSCA-Meta-File-Version: 1.0\nCSAR-Version: 3.25\nCreated-by: EdgeGallery\nEntry-Definitions: APPD/vm_container.zip\n\nName: APPD/vm_container.zip\nContent-Type: appd\n\nName: Image/SwImageDesc.json\nContent-Type: SwImageDesc\n',
    'APPD/vm_container.zip': buildZip([{ name: 'TOSCA_VNFD.meta', data: 'Entry-Definitions: Definition/app.yaml\n' }, { name: 'Definition/app.yaml', data: VM_APPD }]),
    [IMAGES]: image({}),
    'Image/ubuntu.zip': buildZip([{ name: 'ubuntu/ubuntu_18_04.qcow2', data: 'QFI\xfb' }]),
    'Artifacts/Docs/template.md': '',
  };
  return { ...files, 'vm.mf': manifestText(files, Object.keys(files), metadata) };
}

/** METADATA without app_class (and app_type), so the class must be inferred. */
const UNDECLARED = Object.fromEntries(Object.entries(METADATA).filter(([key]) => key !== 'app_class' && key !== 'app_type'));

describe('csar: app class', function () {
  const kit = sandboxWithChart();

  async function open(files: Files, folder?: string): Promise<CsarPackage> {
    const entries = Object.entries(files).map(([name, data]) => ({ name: folder === undefined ? name : `${folder}/${name}`, data }));
    return openCsar(await kit.box.input(`p${Math.random().toString(36).slice(2)}.csar`, buildZip(entries)), kit.box.scratch);
  }
  async function assertVm(files: Files, evidence: RegExp, folder?: string): Promise<void> {
    await assert.rejects(open(files, folder), (err: Error & { reason?: string }) => {
      assert.equal(err.name, 'CsarError', err.stack);
      assert.equal(err.reason, 'UnsupportedAppClass', err.message);
      assert.match(err.message, evidence);
      assert.match(err.message, /container apps \(Helm charts\) only/);
      return true;
    });
    assert.deepEqual((await kit.box.list()).filter((path) => path.startsWith('scratch/') && path !== 'scratch'), [], 'nothing left in the scratch dir');
  }
  /** The test container package with its manifest's metadata replaced and its files changed. */
  function container(change: (files: Files) => void, metadata: Record<string, string> = UNDECLARED): Files {
    const files = validFiles(kit.chart);
    change(files);
    return { ...files, 'demo.mf': manifestText(files, [MAIN], metadata) };
  }

  describe('refused as UnsupportedAppClass', function () {
    it('EdgeGallery\'s VM export: app_class vm in the manifest', async function () {
      await assertVm(vmFiles(), /"vm\.mf" declares app_class: vm/);
    });

    it('the same zipped as a folder (once refused as ToscaMetaMissing)', async function () {
      await assertVm(vmFiles(), /declares app_class: vm/, 'ubuntu-vm');
    });

    it('app_class VM in any case, refused before the APPD is even looked for', async function () {
      const files = vmFiles({ ...METADATA, app_class: 'VM' });
      delete files['APPD/vm_container.zip'];
      await assertVm(files, /declares app_class: vm/);
    });

    const undeclared: Array<[string, (files: Files) => void, RegExp]> = [
      ['the APPD declares app_class vm', (f) => { f[MAIN] = APPD_YAML.replace('  vnfd_name: demo-appd', '  vnfd_name: demo-appd\n  app_class: vm'); delete f[CHART]; },
        /APPD .* declares app_class vm/],
      ['the APPD\'s VNF node says appClass: VM', (f) => { f[MAIN] = APPD_YAML.replace('        provider: Tests', '        provider: Tests\n        appClass: VM'); delete f[CHART]; },
        /declares app_class vm/],
      ...['qcow2', 'QCOW2', 'iso', 'vmdk', 'vhd', 'vdi'].map((format): [string, (files: Files) => void, RegExp] =>
        [`an image with disk format ${format} and no chart`, (f) => { f[IMAGES] = image({ diskFormat: format, swImage: 'http://images.example/ubuntu' }); delete f[CHART]; },
          new RegExp(`"ubuntu_18_04" is a VM disk \\(${format}\\)`)]),
      ['an image file that is a disk (raw format) and no chart', (f) => { f[IMAGES] = image({ diskFormat: 'raw', swImage: 'Image/disk.img' }); delete f[CHART]; }, /VM disk/],
      ['a disk image in Image/ and no chart', (f) => { f[IMAGES] = '[]'; f['Image/ubuntu.qcow2'] = 'QFI'; delete f[CHART]; }, /holds the VM disk "Image\/ubuntu\.qcow2"/],
      ['VDUs with software images and no chart', (f) => { f[MAIN] = VM_APPD; delete f[IMAGES]; delete f[CHART]; }, /sw_image_data/],
    ];
    for (const [name, change, evidence] of undeclared) {
      it(`no app_class in the manifest: ${name}`, async function () {
        await assertVm(container(change), evidence);
      });
    }
  });

  describe('still container apps', function () {
    it('a chart with VDU software images and raw/bare images (what real container packages hold)', async function () {
      const pkg = await open(container((f) => { f[MAIN] = VM_APPD; f[IMAGES] = SW_IMAGE_DESC.replace('"architecture"', '"diskFormat":"raw","containerFormat":"bare","architecture"'); }));
      assert.equal(pkg.app.class, 'container');
    });

    it('app_class container in the manifest wins over a qcow2 image', async function () {
      const pkg = await open(container((f) => { f[IMAGES] = image({}); }, METADATA));
      assert.equal(pkg.app.class, 'container');
    });

    it('app_class container in the manifest and no chart is ChartMissing, not a VM', async function () {
      await assert.rejects(open(container((f) => { f[MAIN] = VM_APPD; delete f[CHART]; }, METADATA)), { name: 'CsarError', reason: 'ChartMissing' });
    });

    it('no evidence either way and no chart is ChartMissing', async function () {
      await assert.rejects(open(container((f) => { delete f[CHART]; })), { name: 'CsarError', reason: 'ChartMissing' });
    });

    it('the test package as it is', async function () {
      const pkg = await openCsar(await kit.box.input('plain.csar', zipOf(withManifest(validFiles(kit.chart)))), kit.box.scratch);
      assert.equal(pkg.app.class, 'container');
    });
  });
});
