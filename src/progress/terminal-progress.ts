import {formatBytes} from './format-bytes'
import {formatDuration} from './format-duration'
import {silentProgress, type ProgressFactory} from '.'

/**
 * Progress bars on a TTY stream (stderr): percentage, bytes, throughput and ETA, redrawn at most
 * ten times a second. Not a TTY (CI, pipes, `--json` consumers) → silent.
 */
export function terminalProgress(stream: NodeJS.WriteStream = process.stderr): ProgressFactory {
  if (!stream.isTTY) return silentProgress
  return (label, totalBytes, options = {}) => {
    const amount = options.unit === 'samples' ? (n: number) => (Number.isInteger(n) ? String(n) : n.toFixed(2)) : formatBytes
    const unit = options.unit === 'samples' ? ' samples' : ''
    const started = Date.now()
    let done = 0
    let drawn = 0
    const draw = (final: boolean): void => {
      const seconds = Math.max((Date.now() - started) / 1000, 1e-3)
      const rate = done / seconds
      const fraction = totalBytes > 0 ? Math.min(done / totalBytes, 1) : 1
      const width = 24
      const filled = Math.round(fraction * width)
      const bar = '█'.repeat(filled) + '░'.repeat(width - filled)
      const eta = final ? `in ${formatDuration(seconds)}` : rate > 0 ? `ETA ${formatDuration((totalBytes - done) / rate)}` : 'ETA --'
      const line = `${label.padEnd(22)} ${bar} ${(fraction * 100).toFixed(0).padStart(3)}%  ${amount(done)}/${amount(totalBytes)}${unit}  ${amount(rate)}${unit}/s  ${eta}`
      stream.write(`\r\u001b[2K${line.slice(0, (stream.columns ?? 120) - 1)}${final ? '\n' : ''}`)
    }
    return {
      advance(bytes) {
        done += bytes
        const now = Date.now()
        if (now - drawn >= 100) {
          drawn = now
          draw(false)
        }
      },
      done() {
        done = totalBytes
        draw(true)
      },
    }
  }
}
