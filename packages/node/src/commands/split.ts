/**
 * `peakmatch catalog split`: a catalog into shard files by recording, and --publish to a NATS
 * cluster's JetStream (docs/cluster.md). A module of its own, loaded only when asked for, so that
 * the NATS client is not loaded by every other command.
 */
import { resolve } from 'node:path'
import { requireCatalog } from '../catalog-lock.js'
import { ClusterNames, checkCatalogName } from '../cluster/names.js'
import { connectNats } from '../cluster/nats.js'
import { publishSplit, splitCatalog } from '../cluster/split.js'
import { ClusterStore } from '../cluster/store.js'
import { CliError, errorMessage } from '../errors.js'
import { formatBytes } from '../report.js'
import { EXIT, REPORT_SCHEMA_VERSION, parse, positiveIntOf, type Io } from './common.js'
import { HELP } from './help.js'

/** Shard files DIR/shard-K-of-N.pmx by recording (cluster/split.ts); --publish uploads them to NATS. */
export async function cmdSplit(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parse('catalog split', args, {
    shards: { type: 'string', short: 'n' }, output: { type: 'string', short: 'o' }, publish: { type: 'boolean' },
    nats: { type: 'string' }, name: { type: 'string' }, 'js-replicas': { type: 'string' },
  })
  if (values.help) { io.out(HELP.split!); return EXIT.OK }
  if (positionals.length !== 1) throw new CliError(EXIT.USAGE, 'catalog split: give one catalog (then --shards N -o DIR)')
  if (values.shards === undefined) throw new CliError(EXIT.USAGE, 'catalog split: --shards N is required')
  if (values.output === undefined) throw new CliError(EXIT.USAGE, 'catalog split: -o DIR (where the shard files go) is required')
  const shards = positiveIntOf('--shards', values.shards, 1024)
  const name = checkCatalogName(values.name ?? 'catalog')
  const replicas = positiveIntOf('--js-replicas', values['js-replicas'] ?? '1', 5)
  if (values.publish && values.nats === undefined) throw new CliError(EXIT.USAGE, 'catalog split: --publish needs --nats URL')
  if (!values.publish && values.nats !== undefined) throw new CliError(EXIT.USAGE, 'catalog split: --nats is for --publish (add it, or drop --nats)')
  const path = positionals[0]!
  requireCatalog(path)
  const json = Boolean(values.json)
  const split = splitCatalog(path, shards, values.output, (f) => {
    if (!json) io.out(`wrote ${f.path}: ${f.tracks} tracks (${f.recordings} recordings), ${formatBytes(f.bytes)}\n`)
  })
  if (values.publish) {
    let nc: Awaited<ReturnType<typeof connectNats>> | undefined
    try {
      nc = await connectNats(values.nats!, 'peakmatch-catalog-split')
      const store = await ClusterStore.open(nc, new ClusterNames(name), { replicas })
      await publishSplit(store, split, (f) => { if (!json) io.out(`published shard ${f.shard}/${shards} to ${store.names.snapshotBucket}\n`) })
    } catch (e) {
      throw new CliError(EXIT.WRITE_FAILED, `catalog split: the shard files are written, but publishing to ${values.nats} failed: ${errorMessage(e)}`)
    } finally {
      await nc?.drain().catch(() => {})
    }
  }
  if (json) {
    io.out(JSON.stringify({
      schemaVersion: REPORT_SCHEMA_VERSION, catalog: resolve(path), tracks: split.tracks, settings: { indexFanout: split.settings.indexFanout, tripletIndex: split.settings.tripletIndex },
      shards: split.shards.map((f) => ({ shard: f.shard, path: resolve(f.path), tracks: f.tracks, recordings: f.recordings, bytes: f.bytes })),
      ...(values.publish ? { published: { nats: values.nats, name } } : {}),
    }, null, 2) + '\n')
  } else {
    io.out(`catalog ${path}: ${split.tracks} tracks into ${shards} shards${values.publish ? `, published as catalog ${JSON.stringify(name)}` : ''}\n`)
  }
  return EXIT.OK
}
