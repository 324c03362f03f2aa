"""The typed request and result objects of every API command, generated from the server's command registry.

Results come back from the client's methods; build requests only where a method takes them as arguments (for
example ``AccountItem`` for ``client.accounts.import_many(account_list=[...])``).
"""

from liveroom.client._generated import *  # noqa: F403
