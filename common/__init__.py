"""What every layer shares: the root of the errors a member can act on."""
