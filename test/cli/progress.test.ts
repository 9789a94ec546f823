import {formatDuration} from '../../src/progress/format-duration'
import {terminalProgress} from '../../src/progress/terminal-progress'
import {formatBytes} from '../../src/progress/format-bytes'

function fakeStream(isTTY: boolean): NodeJS.WriteStream & {text: () => string} {
  const chunks: string[] = []
  return {isTTY, columns: 200, write: (chunk: string) => chunks.push(chunk) > 0, text: () => chunks.join('')} as unknown as NodeJS.WriteStream & {text: () => string}
}

describe('progress bars', () => {
  afterEach(() => jest.useRealTimers())

  it('draw percentage, bytes, throughput and ETA on a terminal', () => {
    jest.useFakeTimers({now: 0})
    const stream = fakeStream(true)
    const bar = terminalProgress(stream)('pass 2/2 merge', 4e9)
    jest.setSystemTime(2000)
    bar.advance(1e9)
    // 1 GB in 2 s: 500 MB/s, 3 GB left → 6 s.
    expect(stream.text()).toContain(' 25%  1.00 GB/4.00 GB  500 MB/s  ETA 0:06')
    jest.setSystemTime(2050)
    bar.advance(1e6)
    expect(stream.text().split('\r').length).toBe(2) // redrawn at most every 100 ms
    jest.setSystemTime(8000)
    bar.done()
    expect(stream.text()).toMatch(/100%  4\.00 GB\/4\.00 GB .* in 0:08\n$/)
  })

  it('count samples, with samples per second and ETA, for an evaluation', () => {
    jest.useFakeTimers({now: 0})
    const stream = fakeStream(true)
    const bar = terminalProgress(stream)('eval merged', 40, {unit: 'samples'})
    jest.setSystemTime(8000)
    bar.advance(10)
    // 10 samples in 8 s: 1.25 samples/s, 30 left → 24 s.
    expect(stream.text()).toContain(' 25%  10/40 samples  1.25 samples/s  ETA 0:24')
    jest.setSystemTime(32000)
    bar.done()
    expect(stream.text()).toMatch(/100%  40\/40 samples .* in 0:32\n$/)
  })

  it('are silent when stderr is not a terminal', () => {
    const stream = fakeStream(false)
    const bar = terminalProgress(stream)('pass 1/2 statistics', 100)
    bar.advance(50)
    bar.done()
    expect(stream.text()).toBe('')
  })

  it('format sizes and durations', () => {
    expect(formatBytes(999.4)).toBe('999 B')
    expect(formatBytes(1_234_567)).toBe('1.23 MB')
    expect(formatBytes(512e6)).toBe('512 MB')
    expect(formatDuration(59.6)).toBe('1:00')
    expect(formatDuration(3725)).toBe('1:02:05')
  })
})
