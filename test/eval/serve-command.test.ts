import {execFileSync} from 'node:child_process'
import {createServer, type Server} from 'node:http'
import {guardedFetch, MAX_RESPONSE_BYTES, MAX_RETRY_AFTER_SECONDS} from '../../src/eval/backends/openai-client'
import {fillServeTemplate, SERVE_PRESETS, serveTemplate} from '../../src/eval/serve-command'

describe('--serve command templates', () => {
  test('each placeholder reaches the command as one argument, whatever the folder name holds', () => {
    const model = `/data/my models/it's "odd" $(rm -rf x) ;&`
    const command = fillServeTemplate(`printf '%s\\n' {model} {model_id} {port}`, {model, model_id: 'org/name', port: 8123})
    expect(execFileSync('/bin/sh', ['-c', command], {encoding: 'utf8'})).toBe(`${model}\norg/name\n8123\n`)
  })

  test('presets are the documented commands; other text is a template and must place {port}', () => {
    expect(serveTemplate('vllm')).toBe(SERVE_PRESETS.vllm)
    expect(fillServeTemplate(serveTemplate('vllm'), {model: '/m/merged', model_id: 'Qwen/Qwen2-VL-7B-Instruct', port: 9000})).toBe(
      `vllm serve /m/merged --host 127.0.0.1 --port 9000 --served-model-name Qwen/Qwen2-VL-7B-Instruct --limit-mm-per-prompt '{"image": 8}'`,
    )
    expect(serveTemplate('my-server --port {port}')).toBe('my-server --port {port}')
    expect(() => serveTemplate('vLLM')).toThrow('--serve "vLLM" is neither a preset (vllm, sglang, llama.cpp) nor a command with {port}')
  })
})

describe('what a server answers is bounded', () => {
  let server: Server
  let url: string
  let header: Record<string, string>
  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === '/slow') {
        // Headers at once, then the body a byte a second.
        res.writeHead(200, {'content-type': 'application/json'})
        const timer = setInterval(() => res.write(' '), 1000)
        res.on('close', () => clearInterval(timer))
        return
      }
      if (req.url === '/huge') {
        res.writeHead(200, {'content-type': 'application/json'})
        const chunk = Buffer.alloc(1024 * 1024, 32)
        for (let i = 0; i <= MAX_RESPONSE_BYTES / chunk.length; i++) res.write(chunk)
        return res.end()
      }
      res.writeHead(429, header)
      res.end('{}')
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    url = `http://127.0.0.1:${(server.address() as {port: number}).port}/`
  })
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())))

  test.each([
    [{'retry-after': '3600'}, String(MAX_RETRY_AFTER_SECONDS)],
    [{'retry-after': new Date(Date.now() + 86_400_000).toUTCString()}, String(MAX_RETRY_AFTER_SECONDS)],
    [{'retry-after-ms': '900000'}, String(MAX_RETRY_AFTER_SECONDS)],
    [{'retry-after': '2'}, '2'],
  ])('%j is waited for at most a minute', async (sent, waited) => {
    header = sent
    const response = await guardedFetch(5000)(url)
    expect(response.status).toBe(429)
    expect(response.headers.get('retry-after')).toBe(waited)
    expect(response.headers.get('retry-after-ms')).toBeNull()
    await response.text()
  })

  test('a body that trickles past the timeout, or grows past the limit, fails', async () => {
    const slow = await guardedFetch(1500)(`${url}slow`)
    await expect(slow.text()).rejects.toThrow('the answer did not arrive within 1.5 s')
    const huge = await guardedFetch(30_000)(`${url}huge`)
    await expect(huge.text()).rejects.toThrow('the answer is larger than 16 MiB')
  })
})
