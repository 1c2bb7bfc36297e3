"""The pure domain core of OneWindow: no Flask, no Socket.IO, no hardware."""
