"""X.509 for Pacemaker Remote connections (Pacemaker >= 3.0.0).

Pure, over PEM bytes:
    pki       a private CA, node keys and CSRs (what a node does), signing (what the console
              does), CRLs, and CertFacts (what the auth view shows)
    validate  every check Pacemaker's GnuTLS side would fail on, as Problems naming the node
              and the file, before anything is installed or restarted

The wizards (PSK -> X.509, renewal, rollback), on the plan engine:
    inputs    what they are asked (CertsConvert, CertsRenew, CertsRollback) and its errors
    ca        the console's CA in the state directory (load or create) or the operator's; signing
    preflight the read-only checks before a plan (version gate, env files, online, ...)
    readback  every node's files read back (the key's public half only) and validated together
    watch     how long each remote/guest node is offline while the daemons restart
    plans     the pure plan builders (recipes: certs_convert, certs_rollback, certs_renew)
    wizard    WIZARDS and CertsContext: what the CLI and the TUI drive
    authview  which authentication each node really uses (read-only)

Private keys are made on their node and never leave it; the CA key stays in its file and is
held as tui.remote.secret.Secret, so none reaches a log, the screen, an event or the journal.
"""
