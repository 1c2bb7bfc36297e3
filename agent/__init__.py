"""The device agent: ``onewindow agent`` on a kiosk or counter PC owns the devices attached to that PC.

It connects to the hall server over Socket.IO with its device token, opens its printers, keypads,
evaluators, LED strips and ID-card readers through the same ``drivers`` the server uses, and carries
their bytes' worth of meaning both ways: the hall's device classes run on the server and drive these
drivers over the network (``hall.devices.agent_session``). Print jobs it printed are remembered in a
journal, so a job delivered again after a drop or a restart never prints a second paper.
"""
