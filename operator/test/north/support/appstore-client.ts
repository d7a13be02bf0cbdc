/**
 * The appstore, as a test client: it calls North as EdgeGallery's appstore-be (98c2f97) does and
 * reads each answer exactly as that code does (shared/notes/appstore-contracts.md): HTTP 200 or
 * failure, only the fields it reads, a JSON null or wrong type where it reads a string is a
 * failure (Gson throws), `data[0]` only for the order status. Every answer is also scanned for
 * null anywhere, and kept, for the tests to look at.
 */
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';

export class AppstoreFailure extends Error {}

/** Throws when `value` holds a JSON null anywhere (the path says where). */
export function assertNoNull(value: unknown, path = '$'): void {
  if (value === null) throw new AppstoreFailure(`null at ${path}`);
  if (Array.isArray(value)) value.forEach((v, i) => assertNoNull(v, `${path}[${i}]`));
  else if (typeof value === 'object') for (const [k, v] of Object.entries(value as object)) assertNoNull(v, `${path}.${k}`);
}

type Obj = Record<string, unknown>;

/** Gson's getAsString on a field: a string, or the appstore fails. */
function str(o: unknown, field: string): string {
  const v = (o as Obj | undefined)?.[field];
  if (typeof v !== 'string') throw new AppstoreFailure(`${field} is ${v === null ? 'null' : typeof v}, not a string`);
  return v;
}

function arr(o: unknown, field: string): unknown[] {
  const v = (o as Obj | undefined)?.[field];
  if (!Array.isArray(v)) throw new AppstoreFailure(`${field} is ${v === null ? 'null' : typeof v}, not an array`);
  return v;
}

export interface Answer {
  readonly status: number;
  readonly text: string;
}

export class AppstoreClient {
  /** Every answer, for the no-null scan and for tests that look at a refusal. */
  readonly answers: Array<{ readonly call: string; readonly answer: Answer }> = [];

  constructor(readonly baseUrl: string, private readonly token: string | undefined) {}

  withToken(token: string | undefined): AppstoreClient {
    return new AppstoreClient(this.baseUrl, token);
  }

  async raw(method: string, path: string, body?: { json?: unknown; form?: FormData }): Promise<Answer> {
    const headers: Record<string, string> = {};
    if (this.token !== undefined) headers.access_token = this.token;
    let payload: string | FormData | undefined;
    if (body?.json !== undefined) {
      headers['content-type'] = 'application/json';
      payload = JSON.stringify(body.json);
    } else if (body?.form) {
      payload = body.form;
    } else if (method !== 'GET' && method !== 'DELETE') {
      // RestTemplate with headers and no body: application/json, empty.
      headers['content-type'] = 'application/json';
    }
    const res = await fetch(`${this.baseUrl}${path}`, { method, headers, body: payload });
    const answer = { status: res.status, text: await res.text() };
    this.answers.push({ call: `${method} ${path}`, answer });
    return answer;
  }

  /** HTTP 200 and JSON with no null, or the appstore fails. */
  private async ok(method: string, path: string, body?: { json?: unknown; form?: FormData }): Promise<Obj> {
    const answer = await this.raw(method, path, body);
    if (answer.status !== 200) throw new AppstoreFailure(`${method} ${path}: HTTP ${answer.status} ${answer.text.slice(0, 300)}`);
    const parsed = JSON.parse(answer.text) as Obj;
    assertNoNull(parsed);
    return parsed;
  }

  static async form(fields: Readonly<Record<string, string>>, file: { field: string; path: string; name?: string }): Promise<FormData> {
    const form = new FormData();
    for (const [k, v] of Object.entries(fields)) form.append(k, v);
    form.append(file.field, new Blob([await readFile(file.path)]), file.name ?? basename(file.path));
    return form;
  }

  // ---- order flow (MecmService) ----

  /** A1: the hosts, each field read as a String. */
  async mecHosts(): Promise<Array<{ mechostIp: string; mechostName: string; vim: string }>> {
    const answer = await this.ok('GET', '/north/v1/mechosts');
    return arr(answer, 'data').map((h) => ({ mechostIp: str(h, 'mechostIp'), mechostName: str(h, 'mechostName'), vim: str(h, 'vim') }));
  }

  /** A2: returns mecmPackageId (non-empty), unless message says Failed to create server. */
  async createOrder(tenantId: string, csar: string, hostIps: readonly string[], appPkgName: string): Promise<string> {
    const form = await AppstoreClient.form({ hostList: hostIps.join(';'), appPkgName, appPkgVersion: 'v1.0', appClass: 'container', parameters: '' }, { field: 'file', path: csar, name: `${crypto.randomUUID()}.csar` });
    const answer = await this.ok('POST', `/north/v1/tenants/${tenantId}/package`, { form });
    if (str(answer, 'message').toLowerCase() === 'failed to create server') throw new AppstoreFailure('Failed to create server');
    const id = str(answer, 'mecmPackageId');
    if (!id) throw new AppstoreFailure('empty mecmPackageId');
    return id;
  }

  /** A3: data empty → Instantiate Error; else data[0].status. */
  async orderStatus(tenantId: string, id: string): Promise<string> {
    const answer = await this.ok('GET', `/north/v1/tenants/${tenantId}/packages/${id}`);
    const data = arr(answer, 'data');
    str(answer, 'mecmPackageId');
    if (data.length === 0) return 'Instantiate Error';
    return str(data[0], 'status');
  }

  /** A4: data[0].message. */
  async deleteOrder(tenantId: string, id: string): Promise<string> {
    const answer = await this.ok('DELETE', `/north/v1/tenants/${tenantId}/packages/${id}`);
    const data = arr(answer, 'data');
    if (data.length === 0) return 'Delete server exception';
    return str(data[0], 'message');
  }

  // ---- experience flow (HttpClientUtil) ----

  /** B1: data.packageId. */
  async uploadPackage(tenantId: string, csar: string): Promise<string> {
    const form = await AppstoreClient.form({}, { field: 'package', path: csar });
    const answer = await this.ok('POST', `/lcmcontroller/v2/tenants/${tenantId}/packages`, { form });
    return str((answer as { data?: unknown }).data, 'packageId');
  }

  async distribute(tenantId: string, packageId: string, hostIps: readonly string[]): Promise<void> {
    await this.ok('POST', `/lcmcontroller/v2/tenants/${tenantId}/packages/${packageId}`, { json: { hostIp: hostIps } });
  }

  /** B3 parsing (PS:340-362): true when every mecHostInfo status of our package is distributed. */
  async distributed(tenantId: string, packageId: string): Promise<boolean> {
    const answer = await this.ok('GET', `/lcmcontroller/v2/tenants/${tenantId}/packages/${packageId}`);
    for (const item of arr(answer, 'data')) {
      const infos = arr(item, 'mecHostInfo');
      if (str(item, 'packageId') !== packageId && infos.length === 0) return false;
      if (!infos.every((i) => str(i, 'status').toLowerCase() === 'distributed')) return false;
    }
    return true;
  }

  /** data[0].appPkgName, read just before instantiating (HCU:121-132). */
  async appPkgName(tenantId: string, packageId: string): Promise<string> {
    const answer = await this.ok('GET', `/lcmcontroller/v2/tenants/${tenantId}/packages/${packageId}`);
    return str(arr(answer, 'data')[0], 'appPkgName');
  }

  async instantiate(tenantId: string, appInstanceId: string, body: { hostIp: string; appName: string; packageId: string }): Promise<void> {
    await this.ok('POST', `/lcmcontroller/v2/tenants/${tenantId}/app_instances/${appInstanceId}/instantiate`, { json: { ...body, parameters: {} } });
  }

  /** B5 for container apps: every pods[].podstatus running; then services' names and ports[0].nodePort. */
  async running(tenantId: string, appInstanceId: string): Promise<boolean> {
    const { pods } = await this.workStatus(tenantId, appInstanceId);
    return pods.every((p) => p.podstatus.toLowerCase() === 'running');
  }

  /**
   * B5 as ProjectService.getExperienceInfo reads it: pod names and words, and for every service
   * its name and ports[0].nodePort (what the appstore shows the user as <host>:<nodePort>).
   */
  async workStatus(tenantId: string, appInstanceId: string): Promise<{ pods: Array<{ podname: string; podstatus: string }>; services: Array<{ serviceName: string; nodePort: string }> }> {
    const answer = await this.ok('GET', `/lcmcontroller/v2/tenants/${tenantId}/app_instances/${appInstanceId}`);
    return {
      pods: arr(answer, 'pods').map((p) => ({ podname: str(p, 'podname'), podstatus: str(p, 'podstatus') })),
      services: arr(answer, 'services').map((s) => ({ serviceName: str(s, 'serviceName'), nodePort: str(arr(s, 'ports')[0], 'nodePort') })),
    };
  }

  async terminate(tenantId: string, appInstanceId: string): Promise<Answer> {
    return this.raw('POST', `/lcmcontroller/v2/tenants/${tenantId}/app_instances/${appInstanceId}/terminate`);
  }

  async deleteFromHost(tenantId: string, packageId: string, hostIp: string): Promise<void> {
    await this.ok('DELETE', `/lcmcontroller/v2/tenants/${tenantId}/packages/${packageId}/hosts/${hostIp}`);
  }

  async deletePackage(tenantId: string, packageId: string): Promise<void> {
    await this.ok('DELETE', `/lcmcontroller/v2/tenants/${tenantId}/packages/${packageId}`);
  }

  async health(): Promise<void> {
    const answer = await this.raw('GET', '/lcmcontroller/v1/health');
    if (answer.status !== 200) throw new AppstoreFailure(`health: HTTP ${answer.status}`);
  }
}
