/**
 * Request schemas shared by the routes, as lcmcontroller and North checked them: tenant ids
 * and app instance ids are UUIDs, hosts IPv4 strings, package ids at most 64 characters, names
 * as lcmcontroller's name rule. Fastify validates with these; the OpenAPI document shows them.
 */
import { Type } from 'typebox';

export const ipv4Pattern = '^(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])(\\.(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])){3}$';
export const uuidPattern = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';
const lowerUuidPattern = '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$';
/** lcmcontroller's name rule: letters and digits, inner _ and -. */
export const namePattern = '^[\\p{L}\\p{N}]([\\p{L}\\p{N}_-]{0,126}[\\p{L}\\p{N}])?$';

export const TenantId = Type.String({ description: 'The appstore tenant: its user\'s UUID, mapped to a hub namespace by a Tenant\'s spec.appstore.tenantIds.', pattern: uuidPattern, maxLength: 36 });
export const HostIp = Type.String({ description: 'An edge host, by the IPv4 address in its EdgeHost\'s spec.address.', pattern: ipv4Pattern, maxLength: 15 });
export const PackageId = Type.String({ description: 'The package id answered by the upload (64 hex digits; at most 64 letters, digits, - and _).', pattern: '^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$' });
export const AppInstanceId = Type.String({ description: 'The app instance id the appstore chose (a lower-case UUID).', pattern: lowerUuidPattern, maxLength: 36 });
export const MecmPackageId = Type.String({ description: 'The id answered by the order upload (a UUID).', pattern: uuidPattern, maxLength: 36 });

export const TenantParams = Type.Object({ tenantId: TenantId });
export const HostParams = Type.Object({ hostIp: HostIp });
