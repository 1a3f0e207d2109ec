"""Background tasks: what they do (`worker`), how they are recorded and run (`runs`)."""
