import type {DType} from '../dtype'

/** One tensor as a safetensors header describes it. Offsets are absolute byte positions in the file. */
export interface TensorEntry {
  name: string
  dtype: DType
  shape: number[]
  /** Absolute byte offset of the first byte of the tensor's data in its file. */
  offset: number
  byteLength: number
}

/** A validated safetensors header. */
export interface SafetensorsHeader {
  /** Absolute path of the file the header was read from. */
  path: string
  fileSize: number
  /** Absolute offset of the data section (8 + header length). */
  dataOffset: number
  /** Tensors in data order (ascending offset). */
  tensors: TensorEntry[]
  /** `__metadata__`, or null when the header has none. */
  metadata: Record<string, string> | null
}

/** A tensor of a checkpoint: its header entry, the absolute path of its file, and how to compute it when it is virtual. */
export type CheckpointTensor = TensorEntry & {path: string; virtual?: VirtualTensor}

/** A model folder's weights: one `model.safetensors`, or shards listed by `model.safetensors.index.json`. */
export interface Checkpoint {
  /** Absolute path of the folder. */
  dir: string
  /** Shard file names (relative to `dir`) in the order they are read. */
  files: string[]
  /** Every tensor by name; `path` of each entry is the absolute path of its shard. */
  tensors: Map<string, CheckpointTensor>
  /** The index's `metadata` object, when there is an index. */
  indexMetadata: Record<string, unknown> | null
}

/** A tensor to be written: what the header needs. */
export interface OutputTensor {
  name: string
  dtype: DType
  shape: number[]
}

/** Where each output tensor goes: shard files, each with its header bytes and absolute tensor offsets. */
export interface ShardLayout {
  shards: Array<{
    fileName: string
    /** The 8-byte length prefix followed by the padded JSON header. */
    header: Uint8Array
    /** Total file size in bytes (header + data). */
    size: number
    tensors: Array<OutputTensor & {offset: number; byteLength: number}>
  }>
  /** Contents of `model.safetensors.index.json`, or null for a single unsharded file. */
  index: {metadata: {total_size: number}; weight_map: Record<string, string>} | null
}

/**
 * A tensor computed when it is read (a base weight plus a LoRA product, say) instead of stored:
 * its checkpoint entry keeps the stored tensor's name, dtype and shape, and jobs that read it get
 * its bytes from `materialize`, never from a file.
 */
export interface VirtualTensor {
  /**
   * Computes the tensor's bytes in its entry's dtype into memory from `allocate` (shared with the
   * worker threads, and reused once the job that reads them is done), and returns them.
   */
  materialize(allocate: (byteLength: number) => Uint8Array): Promise<Uint8Array>
}
