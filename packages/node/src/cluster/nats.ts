/** Connecting to NATS: one place for the options every cluster process uses. */
import { connect, type NatsConnection } from '@nats-io/transport-node'
import { CliError, errorMessage } from '../errors.js'

/**
 * A connection to `servers` (comma-separated URLs: the client fails over between them, and
 * learns the rest of a cluster from the one it reaches). It reconnects forever: a NATS node that
 * dies under a running shard or gateway is not a reason for that process to exit.
 */
export async function connectNats(servers: string, name: string): Promise<NatsConnection> {
  const list = servers.split(',').map((s) => s.trim()).filter(Boolean)
  try {
    return await connect({ servers: list, name, maxReconnectAttempts: -1, reconnectTimeWait: 250, pingInterval: 5000 })
  } catch (e) {
    throw new CliError(2, `cannot connect to NATS at ${servers}: ${errorMessage(e)} (is nats-server running? docs/cluster.md)`)
  }
}
