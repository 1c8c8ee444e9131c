"""What the running process keeps in memory: work a request leaves behind, and sliding windows."""
