"""X.509 for Pacemaker Remote connections (Pacemaker >= 3.0.0): pure functions over PEM bytes.

    pki       a private CA, node keys and CSRs (what a node does), signing (what the console
              does), CRLs, and CertFacts (what the auth view shows)
    validate  every check Pacemaker's GnuTLS side would fail on, as Problems naming the node
              and the file, before anything is installed or restarted

No I/O here: the plan engine moves the bytes and stats the files; private keys travel as
tui.remote.secret.Secret so they never reach a log or the screen.
"""
