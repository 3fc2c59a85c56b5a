"""Image identity: perceptual fingerprints computed from decoded pixels."""
