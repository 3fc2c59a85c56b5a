"""The pure core of the transparency log: Merkle tree, signed notes, checkpoints, tiles, proofs."""
