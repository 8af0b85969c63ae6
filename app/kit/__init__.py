"""The life of a workspace row, the same for every domain: scoped reads, versioned and audited
writes, soft delete and restore (rows.py), the audit trail they leave (audit.py), and the JSON
routes every collection shares (collections.py). It imports no domain."""
