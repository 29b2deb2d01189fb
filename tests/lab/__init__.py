"""A real Pacemaker lab on one machine: a cluster node, remote and guest nodes in network
namespaces, each with its own sshd. Used by the `lab` pytest marker and `python -m tests.lab`."""
