"""The Network tab: the network walked layer by layer (tab), and one layer of a --model network on the batch as it
arrives (own_layer)."""
