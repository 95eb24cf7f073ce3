"""Weekly digests: select a subscription's week from the index, render it, deliver it."""
