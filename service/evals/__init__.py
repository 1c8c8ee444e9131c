"""`twin eval`: prove the twin tells the truth about its owner, per persona, in CI."""
