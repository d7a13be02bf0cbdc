/**
 * Helm chart tarballs of a package (`Artifacts/Deployment/Charts/*.tgz`): each one is streamed
 * through gunzip and a tar parser, never extracted; every member name is vetted like a zip
 * entry's, links are refused, and Chart.yaml is read for the chart's name and version.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';
import tar from 'tar-stream';
import { checkEntryPath } from './entry-name.js';
import { CsarError, quote } from './errors.js';
import type { CsarLimits } from './limits.js';
import { Meter, type InflateBudget } from './meter.js';
import { decodeText, loadYaml } from './yaml.js';

/** Folder of the package holding the charts. */
export const CHARTS_DIR = 'Artifacts/Deployment/Charts/';

/** True for a package path that is a chart tarball directly in CHARTS_DIR. */
export function isChartPath(path: string): boolean {
  if (!path.startsWith(CHARTS_DIR)) return false;
  const rest = path.slice(CHARTS_DIR.length);
  return !rest.includes('/') && /\.(tgz|tar\.gz)$/i.test(rest);
}

/** What a chart tarball says about itself. */
export interface ChartInfo {
  name: string;
  version: string;
}

const CHART_YAML = /^[^/]+\/Chart\.yaml$/;

/**
 * Reads the chart tarball at `file` (shown as `what`) and returns Chart.yaml's name and
 * version. Throws CsarError: ChartInvalid (not gzip, not tar, bad Chart.yaml), ChartUnsafePath
 * (a member that climbs out, is absolute, or is a link or device), ChartYamlMissing, ZipBomb,
 * TooManyEntries, YamlTooLarge, YamlBomb.
 */
export async function inspectChart(file: string, what: string, limits: CsarLimits, budget: InflateBudget): Promise<ChartInfo> {
  const { size } = await stat(file);
  const chartYamls: Array<{ path: string; data: Buffer }> = [];
  const source = createReadStream(file);
  const gunzip = createGunzip();
  const meter = new Meter({
    what: `chart ${what}`, limits, budget,
    maxBytes: limits.maxEntryBytes,
    tooLarge: () => new CsarError('ZipBomb', `chart ${what} inflates to more than ${limits.maxEntryBytes} bytes (limit maxEntryBytes); refused as a decompression bomb`),
    compressedSize: size,
  });
  const extract = tar.extract();
  let members = 0;

  await new Promise<void>((resolve, reject) => {
    let settled = false;
    const fail = (err: unknown) => {
      if (settled) return;
      settled = true;
      source.destroy();
      gunzip.destroy();
      meter.destroy();
      extract.destroy();
      reject(chartFailure(err, what));
    };
    extract.on('entry', (header, stream, next) => {
      if (++members > limits.maxEntries) {
        return fail(new CsarError('TooManyEntries', `chart ${what} has more than ${limits.maxEntries} members (limit maxEntries)`));
      }
      const checked = checkEntryPath(header.name);
      if (!checked.ok) return fail(new CsarError('ChartUnsafePath', `chart ${what} has a member ${quote(header.name)} that is unsafe: ${checked.why}; helm would refuse it too`));
      if (header.type !== 'file' && header.type !== 'contiguous-file' && header.type !== 'directory') {
        return fail(new CsarError('ChartUnsafePath',
          `chart ${what} has a member ${quote(header.name)} of type ${header.type ?? 'unknown'}; charts must hold regular files and directories only`));
      }
      const wanted = header.type !== 'directory' && CHART_YAML.test(checked.path);
      const chunks: Buffer[] = [];
      let bytes = 0;
      stream.on('data', (data: unknown) => {
        if (!wanted) return;
        const chunk = data as Buffer;
        bytes += chunk.length;
        if (bytes > limits.maxYamlBytes) {
          return fail(new CsarError('YamlTooLarge', `${checked.path} in chart ${what} is larger than ${limits.maxYamlBytes} bytes (limit maxYamlBytes)`));
        }
        chunks.push(chunk);
      });
      stream.on('end', () => {
        if (wanted) chartYamls.push({ path: checked.path, data: Buffer.concat(chunks) });
        next();
      });
      stream.on('error', fail);
    });
    extract.on('finish', () => {
      if (settled) return;
      settled = true;
      resolve();
    });
    source.on('error', fail);
    gunzip.on('error', fail);
    meter.on('error', fail);
    extract.on('error', fail);
    source.pipe(gunzip).pipe(meter).pipe(extract);
  });

  if (chartYamls.length === 0) {
    throw new CsarError('ChartYamlMissing', `chart ${what} has no <chart>/Chart.yaml; it is not a Helm chart: package it with "helm package"`);
  }
  if (chartYamls.length > 1) {
    throw new CsarError('ChartInvalid', `chart ${what} holds ${chartYamls.length} charts (${chartYamls.map((c) => c.path).join(', ')}); put one chart in each tarball`);
  }
  const chartYaml = chartYamls[0]!;
  const at = `${chartYaml.path} in chart ${what}`;
  const doc = loadYaml(decodeText(chartYaml.data, at, 'ChartInvalid'), at, limits, 'ChartInvalid');
  const record = doc !== null && typeof doc === 'object' && !Array.isArray(doc) ? doc : {};
  const name = record['name'];
  const version = record['version'];
  if (typeof name !== 'string' || name.trim() === '' || typeof version !== 'string' || version.trim() === '') {
    throw new CsarError('ChartInvalid', `${at} must give the chart's name and version`);
  }
  return { name: name.trim(), version: version.trim() };
}

function chartFailure(err: unknown, what: string): CsarError {
  if (err instanceof CsarError) return err;
  const text = err instanceof Error ? err.message : String(err);
  return new CsarError('ChartInvalid', `chart ${what} is not a gzip-compressed tar archive (${text.slice(0, 200)}); package it with "helm package"`, { cause: err });
}
