"""The Layer explorer's compute: one layer or a short chain on a batch, its checks, numbers and code."""
