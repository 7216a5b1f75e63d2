"""Why the record can be trusted: the Merkle tree over the log (RFC 6962), the tree kept
beside it as events are recorded, seals, proofs, and `verify`.
"""
