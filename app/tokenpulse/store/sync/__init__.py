"""Several machines, one picture: each device publishes its ledger into a folder the user already synchronises,
and reads the other devices' ledgers from it, read-only, from private checked copies.

Files only (and SQL on copies): the folder layout and synchroniser leftovers (layout), this device's id
(identity), the manifest beside each ledger (manifest), publishing (publish), reading and checking the others
(inbox, checks), and the read-only view over several devices' ledgers (ledgers, scope). The policy (when to
publish, which devices a report shows) lives above, in service/sync.py.
"""
