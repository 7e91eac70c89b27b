"""What the tests share: commands (git, DVC, mlci in-process or as a process), projects, a forge."""
