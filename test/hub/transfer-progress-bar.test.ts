import type {ProgressFactory} from '../../src/progress'
import {transferProgressBar} from '../../src/progress/transfer-progress-bar'
import type {TransferProgress} from '../../src/hub/types'

function recorder(): {factory: ProgressFactory; bars: Array<{label: string; total: number; done: number; finished: boolean}>} {
  const bars: Array<{label: string; total: number; done: number; finished: boolean}> = []
  const factory: ProgressFactory = (label, total) => {
    const bar = {label, total, done: 0, finished: false}
    bars.push(bar)
    return {advance: (bytes) => void (bar.done += bytes), done: () => void (bar.finished = true)}
  }
  return {factory, bars}
}

const event = (phase: TransferProgress['phase'], bytes: number, totalBytes: number): TransferProgress => ({
  phase,
  file: null,
  fileBytes: 0,
  fileTotalBytes: 0,
  bytes,
  totalBytes,
  transferredBytes: 0,
})

describe('transferProgressBar', () => {
  test('a download bar counts only the bytes still to fetch', () => {
    const {factory, bars} = recorder()
    const bar = transferProgressBar(factory, 'org/name')
    bar.update(event('download', 300, 1000))
    bar.update(event('download', 700, 1000))
    bar.update(event('download', 1000, 1000))
    bar.done()
    expect(bars).toEqual([{label: 'download org/name', total: 700, done: 700, finished: true}])
  })

  test('an upload draws hashing, then uploading; the commit closes the last bar', () => {
    const {factory, bars} = recorder()
    const bar = transferProgressBar(factory, 'me/merged')
    bar.update(event('hash', 0, 500))
    bar.update(event('hash', 500, 500))
    bar.update(event('upload', 0, 500))
    bar.update(event('upload', 200, 500))
    bar.update(event('upload', 500, 500))
    bar.update(event('commit', 500, 500))
    bar.done()
    expect(bars).toEqual([
      {label: 'hash me/merged', total: 500, done: 500, finished: true},
      {label: 'upload me/merged', total: 500, done: 500, finished: true},
    ])
  })
})
