//! Integration tests against a real `redis-server` (started on a free 127.0.0.1 port, killed
//! at the end; each test is skipped with a message when the binary is missing).

mod cases;
