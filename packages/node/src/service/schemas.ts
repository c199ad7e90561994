/**
 * The JSON schemas of the service's routes: fastify validates query strings and parameters with
 * them, and @fastify/swagger makes /openapi.json from them. Answers are serialized with
 * JSON.stringify, not from their schema (http.ts): a field the schema forgot is still sent, so the
 * response schemas document the answers and never cut them.
 */

/** Most of anything a caller can ask to be listed (limit, alternatives, top): bounds each answer. */
export const MAX_LIST = 100

const quality = {
  codec: { type: 'string', maxLength: 32, description: "the user's file's codec: mp3, aac, flac, …" },
  bitrateKbps: { type: 'number', minimum: 0, maximum: 100_000 },
  sampleRate: { type: 'integer', minimum: 1, maximum: 10_000_000 },
  bitDepth: { type: 'integer', minimum: 1, maximum: 64 },
  lossless: { type: 'boolean' },
} as const

const minConfidence = { type: 'number', minimum: 0, maximum: 1, description: 'the lowest confidence of a match (default: the calibrated decision rule)' } as const

export const identifyQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    alternatives: { type: 'integer', minimum: 0, maximum: MAX_LIST, description: 'most alternatives listed (default 5)' },
    minConfidence,
    ...quality,
  },
} as const

export const matchQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    limit: { type: 'integer', minimum: 1, maximum: MAX_LIST, description: 'most matches returned (default 5)' },
    minConfidence,
    factorSearch: { type: 'string', enum: ['true', 'false', 'auto', 'screened'], description: 'search speed and pitch changes too (default auto; screened: the whole grid, each factor screened first on a large catalog)' },
  },
} as const

export const addQuery = {
  type: 'object',
  additionalProperties: false,
  properties: { recordingId: { type: 'string', minLength: 1, maxLength: 1024 } },
} as const

export const trackParams = {
  type: 'object',
  required: ['trackId'],
  properties: { trackId: { type: 'string', minLength: 1, maxLength: 1024 } },
} as const

const errorSchema = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: { code: { type: 'string' }, message: { type: 'string' }, missingShards: { type: 'array', items: { type: 'integer' } } },
    },
  },
} as const

const partial = {
  type: 'object',
  description: 'present when some shards did not answer: the answer is from the others',
  properties: { missingShards: { type: 'array', items: { type: 'integer' } } },
} as const

const qualitySchema = { type: 'object', additionalProperties: true, properties: quality } as const

const matchSchema = {
  type: 'object',
  additionalProperties: true,
  properties: {
    trackId: { type: 'string' }, recordingId: { type: 'string' }, score: { type: 'integer' }, confidence: { type: 'number' },
    offsetSeconds: { type: 'number' }, speed: { type: 'number' }, pitch: { type: 'number' }, tempo: { type: 'number' }, metadata: {},
  },
} as const

const alignmentSchema = {
  type: 'object',
  additionalProperties: true,
  properties: { recordingId: { type: 'string' }, trackId: { type: 'string' }, coverage: { type: 'number' }, confidence: { type: 'number' }, offsetSeconds: { type: 'number' } },
} as const

const identificationSchema = {
  type: 'object',
  additionalProperties: true,
  properties: {
    status: { type: 'string', enum: ['matched', 'ambiguous', 'unmatched'] },
    recordingId: { type: 'string' }, trackId: { type: 'string' },
    edition: { type: 'object', additionalProperties: true, properties: { trackId: { type: 'string' }, quality: qualitySchema, metadata: {} } },
    upgrade: { type: 'boolean' }, confidence: { type: 'number' }, coverage: { type: 'number' }, offsetSeconds: { type: 'number' },
    alternatives: { type: 'array', items: alignmentSchema },
    windows: { type: 'object', properties: { total: { type: 'integer' }, withAudio: { type: 'integer' } } },
  },
} as const

const errors = { 400: errorSchema, 413: errorSchema, 415: errorSchema, 503: errorSchema } as const

export const identifyReply = {
  200: { type: 'object', required: ['schemaVersion', 'identification'], properties: { schemaVersion: { type: 'integer', const: 1 }, identification: identificationSchema, partial } },
  ...errors,
} as const

export const matchReply = {
  200: { type: 'object', required: ['schemaVersion', 'matches'], properties: { schemaVersion: { type: 'integer', const: 1 }, matches: { type: 'array', items: matchSchema }, partial } },
  ...errors,
} as const

export const batchReply = {
  200: {
    type: 'object',
    required: ['schemaVersion', 'items'],
    properties: {
      schemaVersion: { type: 'integer', const: 1 },
      items: {
        type: 'array',
        description: "one per request item, in order: { ok: true, result } (an Identification, a Match[], or a decide item's ScanFileResult) or { ok: false, error }",
        items: {
          type: 'object',
          required: ['ok'],
          properties: { ok: { type: 'boolean' }, result: {}, error: errorSchema.properties.error },
        },
      },
      partial,
    },
  },
  ...errors,
} as const

export const catalogReply = {
  200: {
    type: 'object',
    additionalProperties: true,
    properties: {
      schemaVersion: { type: 'integer', const: 1 },
      stats: { type: 'object', properties: { tracks: { type: 'integer' }, hashes: { type: 'integer' }, bytes: { type: 'integer' }, seconds: { type: 'number' } } },
      settings: { type: 'object', additionalProperties: true },
      shards: { type: 'integer' },
      formats: { type: 'object', properties: { fingerprint: { type: 'integer' }, catalog: { type: 'integer' }, frontEnd: { type: 'integer' } } },
      limits: { type: 'object', additionalProperties: { type: 'number' } },
      partial,
    },
  },
  503: errorSchema,
} as const

export const statusReply = {
  200: { type: 'object', additionalProperties: true, properties: { status: { type: 'string' } } },
  503: errorSchema,
} as const

export const adminReply = {
  200: { type: 'object', additionalProperties: true, properties: { schemaVersion: { type: 'integer' }, tracks: { type: 'integer' } } },
  201: { type: 'object', additionalProperties: true, properties: { schemaVersion: { type: 'integer' }, trackId: { type: 'string' }, tracks: { type: 'integer' } } },
  400: errorSchema, 401: errorSchema, 404: errorSchema, 409: errorSchema, 500: errorSchema,
} as const

/** The request bodies, which fastify does not parse as JSON: added to /openapi.json by http.ts. */
export const BODIES: Record<string, { contentType: string; description: string }> = {
  '/v1/identify': { contentType: 'application/octet-stream', description: 'fingerprint bytes (fingerprintToBytes: "PMFP" format version 1, or 2 with off-grid hashes); Content-Encoding gzip accepted' },
  '/v1/match': { contentType: 'application/octet-stream', description: 'fingerprint bytes (fingerprintToBytes: "PMFP" format version 1, or 2 with off-grid hashes); Content-Encoding gzip accepted' },
  '/v1/batch': { contentType: 'application/vnd.peakmatch.batch+msgpack', description: "msgpack of { v: 1, items: [{ op: 'identify' | 'match' | 'decide', fingerprint: bin, options?: map }] } (docs/service.md)" },
  '/v1/admin/tracks/{trackId}': { contentType: 'application/octet-stream', description: 'the track\'s fingerprint bytes; metadata as JSON in the x-peakmatch-metadata header' },
}
