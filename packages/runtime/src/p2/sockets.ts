// wasi:sockets for a preview2 guest: not in this slice. A component that imports it links, and every
// attempt to use a socket or resolve a name fails with `access-denied` and an audit `deny` record
// (outbound HTTP goes through wasi:http, which `--allow-net` governs).
import type { AuditEvent } from '../common/audit.js';

export function socketsImports(onAudit: ((e: AuditEvent) => void) | undefined): Record<string, Record<string, unknown>> {
  class Network {}
  const network = new Network();
  const deny = (what: string): never => {
    onAudit?.({ op: 'net.connect', resource: what, decision: 'deny', grant: 'wasi:sockets (not supported: use wasi:http)' });
    throw 'access-denied';
  };
  return {
    'wasi:sockets/network': { Network, networkErrorCode: (): undefined => undefined },
    'wasi:sockets/instance-network': { instanceNetwork: (): Network => network },
    'wasi:sockets/tcp-create-socket': { createTcpSocket: (): never => deny('tcp socket') },
    'wasi:sockets/udp-create-socket': { createUdpSocket: (): never => deny('udp socket') },
    'wasi:sockets/ip-name-lookup': { resolveAddresses: (_n: Network, name: string): never => deny(`lookup ${name}`) },
    'wasi:sockets/tcp': { TcpSocket: class TcpSocket {} },
    'wasi:sockets/udp': { UdpSocket: class UdpSocket {}, IncomingDatagramStream: class IncomingDatagramStream {}, OutgoingDatagramStream: class OutgoingDatagramStream {} },
  };
}
