import { CliError } from '../errors.js'
import { fileLine, qualityText } from '../report.js'
import { identifyFile, loadCatalog } from '../scan.js'
import { EXIT, parse, type Io } from './common.js'
import { HELP } from './help.js'

export async function cmdIdentify(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parse('identify', args, { catalog: { type: 'string', short: 'c' } })
  if (values.help) { io.out(HELP.identify!); return EXIT.OK }
  if (positionals.length !== 1) throw new CliError(EXIT.USAGE, 'identify: give exactly one file')
  if (!values.catalog) throw new CliError(EXIT.USAGE, 'identify: --catalog <catalog.pmx> is required')
  const catalog = loadCatalog(values.catalog)
  const r = await identifyFile(positionals[0]!, catalog)
  if (values.json) io.out(JSON.stringify(r, null, 2) + '\n')
  else {
    io.out(fileLine(r) + '\n')
    if (r.status !== 'unreadable') {
      if (r.edition) io.out(`  best edition: ${r.edition.trackId}${r.edition.quality ? ` (${qualityText(r.edition.quality)})` : ''}${r.upgrade !== undefined ? `, ${r.upgrade ? 'an upgrade' : 'not an upgrade'} over this file (${qualityText(r.quality ?? {})})` : ''}\n`)
      if (r.offsetSeconds !== undefined) io.out(`  the file starts at ${r.offsetSeconds.toFixed(2)} s of ${r.trackId}; confidence ${r.confidence?.toFixed(2)}\n`)
    }
  }
  return r.status === 'unreadable' ? EXIT.UNREADABLE_FILES : EXIT.OK
}

