"""Questions over the network model that several rules and commands ask."""
