"""A bench-only app: one trivial task and one handler of the `bench.ping` event doing the same."""
