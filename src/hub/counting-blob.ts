/**
 * A Blob that reports how many bytes have been read from each `stream()`, which is how fetch sends
 * a Blob body: upload progress without buffering the file. Content-Length still comes from `size`.
 */
export class CountingBlob extends Blob {
  constructor(
    private readonly inner: Blob,
    /** Bytes read so far from the current stream; a retried request starts again from 0. */
    private readonly onRead: (bytesRead: number) => void,
  ) {
    super([])
    // Blob declares these as getters on its prototype, which TypeScript types as plain properties.
    Object.defineProperties(this, {size: {value: inner.size}, type: {value: inner.type}})
  }

  override slice(start?: number, end?: number, contentType?: string): Blob {
    return this.inner.slice(start, end, contentType)
  }

  override arrayBuffer(): Promise<ArrayBuffer> {
    return this.inner.arrayBuffer()
  }

  override text(): Promise<string> {
    return this.inner.text()
  }

  override stream(): ReturnType<Blob['stream']> {
    let read = 0
    this.onRead(0)
    return this.inner.stream().pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform: (chunk, controller) => {
          read += chunk.byteLength
          this.onRead(read)
          controller.enqueue(chunk)
        },
      }),
    )
  }
}
