"""liveroom: a live-room server that speaks the Tencent Cloud TUILiveKit (Live) server REST API, its SDK
(``liveroom.client``) and its command line (``liveroom.cli``)."""

__version__ = "0.1.0"
