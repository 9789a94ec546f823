import {createHash} from 'node:crypto'
import {Readable} from 'node:stream'
import nock from 'nock'
import type {HubSettings} from '../../src/hub/types'

/**
 * A Hugging Face Hub in memory, served with nock at a fake endpoint. It follows the real API where
 * cmaam and @huggingface/hub touch it: model info by revision, the tree, paths-info, `resolve` (with
 * a 302 to a CDN for LFS files, ETag / X-Linked-Etag / X-Linked-Size / X-Repo-Commit, and Range),
 * `raw` (an LFS file's pointer),
 * repo creation, preupload, the LFS batch API (basic transfer only), the upload PUT, and NDJSON
 * commits. Errors follow the Hub's conventions: JSON `{error}` with X-Error-Code / X-Error-Message.
 *
 * Every request is recorded in `requests`; every commit in `commits`, with the sha256 of each file.
 * Call `close()` after each test: it removes the interceptors.
 *
 *   nock.disableNetConnect()
 *   const hub = createMockHub({token: 'hf_test', repos: {'acme/a': {files: {'config.json': '{}', 'model.safetensors': bytes}}}})
 *   const settings = hub.settings(cacheDir)               // endpoint https://hub.test, token hf_test
 *   hub.injectFault({file: {repo: 'acme/a', path: 'model.safetensors'}, reply: {dropAfterBytes: 1000}})
 *   await downloadModel({repo: 'acme/a', revision: 'main', settings})
 *   hub.requestsTo('GET', '/resolve/')                     // what was fetched, with its headers
 *   await pushFolder({dir, repo: 'acme/out', settings})
 *   hub.commits[0].files                                   // [{path, size, sha256, lfs}]
 *   hub.close()
 */

export interface MockRepoSpec {
  /** Path → content. `*.safetensors`, `*.bin`, `*.model`… are stored in LFS, as the Hub's default .gitattributes does. */
  files: Record<string, Uint8Array | string>
  /** Branches, tags or `refs/pr/N` pointing at the repo's commit, besides `main`. */
  refs?: string[]
  /** Readable only with a valid token. */
  private?: boolean
  /** File contents need a token listed in `grantedTokens`. */
  gated?: boolean
  grantedTokens?: string[]
}

export interface CreateMockHubOptions {
  endpoint?: string
  /** Host of the CDN that LFS downloads are redirected to, and that LFS uploads go to. */
  cdn?: string
  repos?: Record<string, MockRepoSpec>
  /** A token with read and write access. */
  token?: string
  /** A token with read access only. The `grantedTokens` of gated repos are valid read-only tokens too. */
  readToken?: string
}

export interface RecordedRequest {
  method: string
  host: string
  /** Path and query, as sent. */
  path: string
  headers: Record<string, string>
}

export interface StoredFile {
  content: Buffer
  size: number
  /** git blob sha1 (of the LFS pointer, for an LFS file): the tree's `oid`. */
  oid: string
  sha256: string
  lfs: boolean
}

export interface RecordedCommit {
  repo: string
  revision: string
  sha: string
  summary: string
  /** Files added by the commit, in its order. */
  files: Array<{path: string; size: number; sha256: string; lfs: boolean}>
}

export interface MockFault {
  method?: string
  /** Path (and query) of the request: equal to a string, or matching a RegExp. */
  path?: string | RegExp
  /** Or: the requests that serve this file's bytes (its `resolve` URL, or the CDN URL an LFS file redirects to). */
  file?: {repo: string; path: string}
  /** How many matching requests it hits; 1 by default. */
  times?: number
  reply:
    | {status: number; headers?: Record<string, string>; body?: unknown}
    | {networkError: string}
    /** Sends this many bytes of the body, then drops the connection. */
    | {dropAfterBytes: number}
    /** Sends the body with its first byte changed. */
    | {corrupt: true}
    /** Sends this many bytes of the body, then nothing more, without closing the connection. */
    | {stallAfterBytes: number}
}

export interface MockRepo {
  sha: string
  private: boolean
  gated: boolean
  refs: Map<string, string>
  commits: Map<string, Map<string, StoredFile>>
  files: Map<string, StoredFile>
  grantedTokens: Set<string>
}

export interface MockHub {
  endpoint: string
  cdn: string
  requests: RecordedRequest[]
  commits: RecordedCommit[]
  /** The LFS batch requests: which transfers the client offered. */
  lfsBatches: Array<{repo: string; transfers: string[]; oids: string[]}>
  /** LFS objects received by upload, by sha256. */
  lfsObjects: Map<string, Buffer>
  repo(name: string): MockRepo
  /** Adds a repo (or replaces one) after creation. */
  addRepo(name: string, spec: MockRepoSpec): MockRepo
  /** Settings pointing at this hub, with `token` unless overridden. */
  settings(cacheDir: string, overrides?: Partial<HubSettings>): HubSettings
  injectFault(fault: MockFault): void
  /** Requests whose method matches and whose path contains `fragment`. */
  requestsTo(method: string, fragment: string): RecordedRequest[]
  close(): void
}

const LFS_PATTERN = /\.(safetensors|bin|pt|pth|ckpt|model|onnx|msgpack|h5|gguf|pkl)$/
const JSON_HEADERS = {'Content-Type': 'application/json; charset=utf-8'}

type Reply = [number, unknown, Record<string, string>?] | Promise<never>

export function createMockHub(options: CreateMockHubOptions = {}): MockHub {
  const endpoint = options.endpoint ?? 'https://hub.test'
  const cdn = options.cdn ?? 'https://cdn.hub.test'
  const {token, readToken} = options
  const repos = new Map<string, MockRepo>()
  const faults: Array<MockFault & {left: number}> = []
  const stalled: Readable[] = []
  const hub: MockHub = {
    endpoint,
    cdn,
    requests: [],
    commits: [],
    lfsBatches: [],
    lfsObjects: new Map(),
    repo(name) {
      const repo = repos.get(name)
      if (!repo) throw new Error(`mock hub: no repo ${name}`)
      return repo
    },
    addRepo(name, spec) {
      const repo = makeRepo(name, spec)
      repos.set(name, repo)
      return repo
    },
    settings: (cacheDir, overrides = {}) => ({token: token ?? null, endpoint, cacheDir, offline: false, ...overrides}),
    injectFault: (fault) => void faults.push({...fault, left: fault.times ?? 1}),
    requestsTo: (method, fragment) => hub.requests.filter((r) => r.method === method && r.path.includes(fragment)),
    close: () => {
      nock.cleanAll()
      for (const stream of stalled) stream.destroy()
    },
  }
  for (const [name, spec] of Object.entries(options.repos ?? {})) hub.addRepo(name, spec)

  const record = (method: string, host: string, path: string, headers: Record<string, unknown>): RecordedRequest => {
    const request = {method, host, path, headers: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), String(v)]))}
    hub.requests.push(request)
    return request
  }

  /** The first fault matching the request, consumed; only faults of the wanted kind. */
  const takeFault = (request: RecordedRequest, bodyFault: boolean, serving?: {repo: string; file: string}): MockFault['reply'] | null => {
    for (const fault of faults) {
      if (fault.left <= 0) continue
      const isBodyFault = 'dropAfterBytes' in fault.reply || 'corrupt' in fault.reply || 'stallAfterBytes' in fault.reply
      if (isBodyFault !== bodyFault) continue
      if (fault.method && fault.method !== request.method) continue
      if (fault.path !== undefined && !(typeof fault.path === 'string' ? request.path === fault.path : fault.path.test(request.path))) continue
      if (fault.file && !(serving && serving.repo === fault.file.repo && serving.file === fault.file.path)) continue
      fault.left--
      return fault.reply
    }
    return null
  }

  const faultReply = (reply: MockFault['reply']): Reply => {
    if ('networkError' in reply) {
      return Promise.reject(Object.assign(new Error(`mock network error ${reply.networkError}`), {code: reply.networkError}))
    }
    if ('status' in reply) return [reply.status, reply.body ?? '', reply.headers ?? {}]
    throw new Error('mock hub: body faults apply to file contents only')
  }

  // --- authentication -------------------------------------------------------------------------
  const bearer = (request: RecordedRequest): string | null => /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1] ?? null
  // Tokens granted access to a gated repo belong to other accounts: valid, read-only.
  const validToken = (value: string | null): boolean =>
    value !== null && (value === token || value === readToken || [...repos.values()].some((repo) => repo.grantedTokens.has(value)))
  const error = (status: number, message: string, code?: string): Reply => [
    status,
    {error: message},
    {...JSON_HEADERS, 'X-Error-Message': message, ...(code ? {'X-Error-Code': code} : {})},
  ]
  /** Null when the request may read the repo; otherwise the Hub's answer. */
  const denyRead = (request: RecordedRequest, name: string): Reply | null => {
    const given = bearer(request)
    if (given !== null && !validToken(given)) return error(401, 'Invalid credentials in Authorization header')
    const repo = repos.get(name)
    if (!repo || (repo.private && !validToken(given))) {
      return validToken(given)
        ? error(404, 'Repository Not Found', 'RepoNotFound')
        : error(
            401,
            `Repository Not Found for url: ${endpoint}/api/models/${name}. Please make sure you specified the correct repo id ` +
              'and repo type. If you are trying to access a private or gated repo, make sure you are authenticated.',
            'RepoNotFound',
          )
    }
    return null
  }
  const denyWrite = (request: RecordedRequest, name: string): Reply | null => {
    const given = bearer(request)
    if (!validToken(given)) return error(401, 'Invalid username or password.')
    if (given !== token) return error(403, `You don't have the rights to write to ${name}: this token is read-only.`)
    return repos.has(name) ? null : error(404, 'Repository Not Found', 'RepoNotFound')
  }
  const denyContent = (request: RecordedRequest, name: string): Reply | null => {
    const repo = repos.get(name) as MockRepo
    if (!repo.gated) return null
    const given = bearer(request)
    if (!validToken(given)) {
      const message = `Access to model ${name} is restricted. You must have access to it and be authenticated to access it. Please log in.`
      return error(401, message, 'GatedRepo')
    }
    if (!repo.grantedTokens.has(given as string)) {
      const message = `Access to model ${name} is restricted and you are not in the authorized list. Visit ${endpoint}/${name} to ask for access.`
      return error(403, message, 'GatedRepo')
    }
    return null
  }

  const commitOf = (repo: MockRepo, revision: string): string | null => {
    if (repo.commits.has(revision)) return revision
    // HEAD is the default branch.
    return repo.refs.get(revision === 'HEAD' ? 'main' : revision) ?? null
  }

  // --- file contents --------------------------------------------------------------------------
  const serveContent = (request: RecordedRequest, file: StoredFile, serving: {repo: string; file: string}, extra: Record<string, string>): Reply => {
    const headers: Record<string, string> = {'Content-Type': 'application/octet-stream', 'Accept-Ranges': 'bytes', ...extra}
    let start = 0
    let end = file.size - 1
    let status = 200
    const range = /^bytes=(\d+)-(\d*)$/.exec(request.headers.range ?? '')
    if (range) {
      start = Number(range[1])
      end = range[2] ? Math.min(Number(range[2]), file.size - 1) : file.size - 1
      if (start >= file.size) return [416, '', {...headers, 'Content-Range': `bytes */${file.size}`}]
      status = 206
      headers['Content-Range'] = `bytes ${start}-${end}/${file.size}`
    }
    let body = file.content.subarray(start, end + 1)
    headers['Content-Length'] = String(body.length)
    if (request.method === 'HEAD') return [status, '', headers]

    const fault = takeFault(request, true, serving)
    if (fault && 'corrupt' in fault) {
      body = Buffer.from(body)
      body[0] = (body[0] as number) ^ 0xff
    }
    if (fault && 'dropAfterBytes' in fault) {
      const sent = body.subarray(0, fault.dropAfterBytes)
      const stream = new Readable({read() {}})
      stream.push(sent)
      setTimeout(() => stream.destroy(Object.assign(new Error('mock: connection reset'), {code: 'ECONNRESET'})), 20)
      return [status, stream, headers]
    }
    if (fault && 'stallAfterBytes' in fault) {
      const stream = new Readable({read() {}})
      if (fault.stallAfterBytes > 0) stream.push(body.subarray(0, fault.stallAfterBytes))
      stalled.push(stream)
      return [status, stream, headers]
    }
    return [status, body, headers]
  }

  // --- the Hub's routes -------------------------------------------------------------------------
  const handleHub = (method: string, path: string, headers: Record<string, unknown>, body: unknown): Reply => {
    const request = record(method, new URL(endpoint).host, path, headers)
    const early = takeFault(request, false)
    if (early) return faultReply(early)
    const url = new URL(path, endpoint)
    const segments = url.pathname.split('/').slice(1)

    // /api/models/{org}/{name}/{revision|tree|paths-info|preupload|commit}/{rev}[/{path}]
    if (segments[0] === 'api' && segments[1] === 'models' && segments.length >= 5) {
      const name = `${segments[2]}/${segments[3]}`
      const action = segments[4]
      const revision = decodeURIComponent(segments[5] ?? 'main')
      if (action === 'preupload' || action === 'commit') {
        const denied = denyWrite(request, name)
        if (denied) return denied
        return action === 'preupload' ? preupload(name, body) : commit(name, revision, body)
      }
      const denied = denyRead(request, name)
      if (denied) return denied
      const repo = repos.get(name) as MockRepo
      const sha = commitOf(repo, revision)
      if (!sha) return error(404, `Invalid rev id: ${revision}`, 'RevisionNotFound')
      const files = repo.commits.get(sha) as Map<string, StoredFile>
      if (action === 'revision' && method === 'GET') {
        const info = {
          _id: `mock-${name}`,
          id: name,
          sha,
          private: repo.private,
          gated: repo.gated ? 'auto' : false,
          lastModified: '2026-01-01T00:00:00.000Z',
          downloads: 0,
          likes: 0,
          siblings: [...files.keys()].map((rfilename) => ({rfilename})),
        }
        return [200, info, JSON_HEADERS]
      }
      if (action === 'tree' && method === 'GET') {
        const prefix = segments.slice(6).map(decodeURIComponent).join('/')
        return [200, treeEntries(files, prefix, url.searchParams.get('recursive') === 'true'), JSON_HEADERS]
      }
      if (action === 'paths-info' && method === 'POST') {
        const paths = (parseJson(body) as {paths: string[]}).paths
        return [200, paths.filter((p) => files.has(p)).map((p) => fileEntry(p, files.get(p) as StoredFile)), JSON_HEADERS]
      }
    }

    if (method === 'POST' && url.pathname === '/api/repos/create') return createRepo(request, body)

    // /{org}/{name}.git/info/lfs/objects/batch
    const batch = /^\/([^/]+)\/([^/]+)\.git\/info\/lfs\/objects\/batch$/.exec(url.pathname)
    if (batch && method === 'POST') {
      const name = `${batch[1]}/${batch[2]}`
      const denied = denyWrite(request, name)
      if (denied) return denied
      return lfsBatch(name, body)
    }

    // /{org}/{name}/resolve/{rev}/{path}, and /raw/: what git stores (an LFS file's pointer)
    if ((segments[2] === 'resolve' || segments[2] === 'raw') && segments.length >= 5 && (method === 'GET' || method === 'HEAD')) {
      const name = `${segments[0]}/${segments[1]}`
      const denied = denyRead(request, name) ?? denyContent(request, name)
      if (denied) return denied
      const repo = repos.get(name) as MockRepo
      const revision = decodeURIComponent(segments[3] as string)
      const sha = commitOf(repo, revision)
      if (!sha) return error(404, `Invalid rev id: ${revision}`, 'RevisionNotFound')
      const filePath = segments.slice(4).map(decodeURIComponent).join('/')
      const file = repo.commits.get(sha)?.get(filePath)
      if (!file) return error(404, 'Entry not found', 'EntryNotFound')
      const common = {'X-Repo-Commit': sha, ETag: `"${file.oid}"`}
      if (segments[2] === 'raw' && file.lfs) return serveContent(request, storedFile(lfsPointer(file), false), {repo: name, file: filePath}, common)
      if (file.lfs) {
        return [
          302,
          '',
          {
            ...common,
            Location: `${cdn}/repos/${name.replace('/', '--')}/${file.sha256}?sig=mock`,
            'X-Linked-Etag': `"${file.sha256}"`,
            'X-Linked-Size': String(file.size),
          },
        ]
      }
      return serveContent(request, file, {repo: name, file: filePath}, common)
    }
    return error(404, `mock hub: no route for ${method} ${path}`)
  }

  const handleCdn = (method: string, path: string, headers: Record<string, unknown>, body: unknown): Reply => {
    const request = record(method, new URL(cdn).host, path, headers)
    const early = takeFault(request, false)
    if (early) return faultReply(early)
    const url = new URL(path, cdn)
    const download = /^\/repos\/([^/]+)\/([0-9a-f]{64})$/.exec(url.pathname)
    if (download && (method === 'GET' || method === 'HEAD')) {
      const name = (download[1] as string).replace('--', '/')
      for (const files of repos.get(name)?.commits.values() ?? []) {
        for (const [filePath, file] of files) {
          if (file.sha256 === download[2]) return serveContent(request, file, {repo: name, file: filePath}, {ETag: `"${file.sha256}"`})
        }
      }
      return [404, 'NoSuchKey', {}]
    }
    const upload = /^\/lfs-upload\/([0-9a-f]{64})$/.exec(url.pathname)
    if (upload && method === 'PUT') {
      const bytes = requestBytes(body)
      if (sha256(bytes) !== upload[1]) return [400, 'BadDigest: the content does not match its sha256', {}]
      hub.lfsObjects.set(upload[1] as string, bytes)
      return [200, '', {ETag: `"${upload[1]}"`}]
    }
    return [404, 'NoSuchKey', {}]
  }

  // --- uploads ----------------------------------------------------------------------------------
  const createRepo = (request: RecordedRequest, body: unknown): Reply => {
    const given = bearer(request)
    if (!validToken(given)) return error(401, 'Invalid username or password.')
    const spec = parseJson(body) as {name: string; organization?: string; private?: boolean; visibility?: string}
    const name = `${spec.organization}/${spec.name}`
    if (given !== token) return error(403, `You don't have the rights to create a model under the namespace "${spec.organization}"`)
    if (repos.has(name)) return [409, {error: 'You already created this model repo', url: `${endpoint}/${name}`}, JSON_HEADERS]
    hub.addRepo(name, {
      files: {'.gitattributes': '*.safetensors filter=lfs diff=lfs merge=lfs -text\n'},
      private: spec.private === true || spec.visibility === 'private',
    })
    return [200, {url: `${endpoint}/${name}`, name, id: `mock-${name}`}, JSON_HEADERS]
  }

  const preupload = (name: string, body: unknown): Reply => {
    const {files} = parseJson(body) as {files: Array<{path: string; size: number}>}
    const uploadMode = (file: {path: string; size: number}): string => (LFS_PATTERN.test(file.path) || file.size >= 10 * 2 ** 20 ? 'lfs' : 'regular')
    const modes = files.map((file) => ({path: file.path, uploadMode: uploadMode(file), shouldIgnore: false}))
    return [200, {files: modes, commitOid: hub.repo(name).sha}, JSON_HEADERS]
  }

  const lfsBatch = (name: string, body: unknown): Reply => {
    const request = parseJson(body) as {operation: string; transfers?: string[]; objects: Array<{oid: string; size: number}>}
    hub.lfsBatches.push({repo: name, transfers: request.transfers ?? [], oids: request.objects.map((o) => o.oid)})
    const objects = request.objects.map((object) =>
      hub.lfsObjects.has(object.oid)
        ? {oid: object.oid, size: object.size}
        : {oid: object.oid, size: object.size, authenticated: true, actions: {upload: {href: `${cdn}/lfs-upload/${object.oid}`, expires_in: 3600}}},
    )
    return [200, {transfer: 'basic', objects}, {'Content-Type': 'application/vnd.git-lfs+json'}]
  }

  const commit = (name: string, revision: string, body: unknown): Reply => {
    const repo = hub.repo(name)
    const parent = commitOf(repo, revision)
    if (!parent) return error(404, `Invalid rev id: ${revision}`, 'RevisionNotFound')
    const files = new Map(repo.commits.get(parent))
    const lines = String(body).split('\n').filter(Boolean).map((line) => JSON.parse(line) as {key: string; value: Record<string, unknown>})
    let summary = ''
    const added: RecordedCommit['files'] = []
    for (const {key, value} of lines) {
      if (key === 'header') summary = String(value.summary ?? '')
      else if (key === 'file') {
        const content = Buffer.from(String(value.content), value.encoding === 'base64' ? 'base64' : 'utf8')
        files.set(String(value.path), storedFile(content, false))
        added.push({path: String(value.path), size: content.length, sha256: sha256(content), lfs: false})
      } else if (key === 'lfsFile') {
        const content = hub.lfsObjects.get(String(value.oid))
        if (!content) return error(422, `LFS object ${String(value.oid)} of ${String(value.path)} was never uploaded`)
        files.set(String(value.path), storedFile(content, true))
        added.push({path: String(value.path), size: content.length, sha256: sha256(content), lfs: true})
      } else if (key === 'deletedFile') files.delete(String(value.path))
    }
    const sha = createHash('sha1').update(`${parent}\n${lines.map((l) => JSON.stringify(l)).join('\n')}`).digest('hex')
    repo.commits.set(sha, files)
    repo.refs.set(revision, sha)
    if (revision === 'main') {
      repo.sha = sha
      repo.files = files
    }
    hub.commits.push({repo: name, revision, sha, summary, files: added})
    return [200, {success: true, commitOid: sha, commitUrl: `${endpoint}/${name}/commit/${sha}`, hookOutput: ''}, JSON_HEADERS]
  }

  for (const method of ['GET', 'HEAD', 'POST', 'PUT']) {
    nock(endpoint)
      .persist()
      .intercept(() => true, method)
      .reply(function (this: {req: {headers: Record<string, unknown>}}, path: string, body: unknown) {
        return handleHub(method, path, this.req.headers, body) as [number, unknown, Record<string, string>]
      })
    nock(cdn)
      .persist()
      .intercept(() => true, method)
      .reply(function (this: {req: {headers: Record<string, unknown>}}, path: string, body: unknown) {
        return handleCdn(method, path, this.req.headers, body) as [number, unknown, Record<string, string>]
      })
  }
  return hub
}

function makeRepo(name: string, spec: MockRepoSpec): MockRepo {
  const files = new Map(Object.entries(spec.files).map(([path, content]) => [path, storedFile(Buffer.from(content), LFS_PATTERN.test(path))]))
  const sha = createHash('sha1')
    .update(name)
    .update(JSON.stringify([...files].map(([path, file]) => [path, file.oid])))
    .digest('hex')
  const refs = new Map([['main', sha], ...(spec.refs ?? []).map((ref): [string, string] => [ref, sha])])
  return {
    sha,
    private: spec.private === true,
    gated: spec.gated === true,
    refs,
    commits: new Map([[sha, files]]),
    files,
    grantedTokens: new Set(spec.grantedTokens),
  }
}

/** What the Hub stores for a file: LFS files are a pointer in git, the content in LFS. */
export function storedFile(content: Buffer, lfs: boolean): StoredFile {
  const digest = sha256(content)
  const file = {content, size: content.length, oid: '', sha256: digest, lfs}
  return {...file, oid: gitBlobSha1(lfs ? lfsPointer(file) : content)}
}

function lfsPointer(file: {sha256: string; size: number}): Buffer {
  return Buffer.from(`version https://git-lfs.github.com/spec/v1\noid sha256:${file.sha256}\nsize ${file.size}\n`)
}

export function gitBlobSha1(content: Buffer): string {
  return createHash('sha1').update(`blob ${content.length}\0`).update(content).digest('hex')
}

export function sha256(content: Uint8Array): string {
  return createHash('sha256').update(content).digest('hex')
}

function fileEntry(path: string, file: StoredFile): Record<string, unknown> {
  return {
    type: 'file',
    oid: file.oid,
    size: file.size,
    path,
    ...(file.lfs ? {lfs: {oid: file.sha256, size: file.size, pointerSize: 134}} : {}),
  }
}

function treeEntries(files: Map<string, StoredFile>, prefix: string, recursive: boolean): Array<Record<string, unknown>> {
  const under = prefix ? `${prefix}/` : ''
  const entries: Array<Record<string, unknown>> = []
  const directories = new Set<string>()
  for (const [path, file] of [...files].sort(([a], [b]) => a.localeCompare(b))) {
    if (!path.startsWith(under)) continue
    const rest = path.slice(under.length).split('/')
    for (let depth = 1; depth < rest.length && (recursive || depth === 1); depth++) {
      const directory = under + rest.slice(0, depth).join('/')
      if (!directories.has(directory)) {
        directories.add(directory)
        entries.push({type: 'directory', oid: gitBlobSha1(Buffer.from(directory)), size: 0, path: directory})
      }
    }
    if (recursive || rest.length === 1) entries.push(fileEntry(path, file))
  }
  return entries
}

function parseJson(body: unknown): unknown {
  return typeof body === 'string' ? JSON.parse(body) : body
}

/** nock hands over a request body as text when it is valid UTF-8, and as hex otherwise. */
function requestBytes(body: unknown): Buffer {
  if (typeof body !== 'string') return Buffer.from(JSON.stringify(body))
  if (/^(?:[0-9a-f]{2})*$/.test(body)) {
    const decoded = Buffer.from(body, 'hex')
    if (!Buffer.from(decoded.toString('utf8')).equals(decoded)) return decoded
  }
  return Buffer.from(body, 'utf8')
}
