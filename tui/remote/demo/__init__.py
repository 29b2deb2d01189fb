"""The built-in demo cluster: an in-memory Pacemaker cluster behind a DemoTransport."""
