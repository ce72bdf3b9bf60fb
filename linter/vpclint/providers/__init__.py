"""Provider adapters: one module per cloud, each mapping its resources to the model.

Adding a provider means adding a module here and listing its ``adapt`` in
``ADAPTERS``; rules never change.
"""

from vpclint.providers import aws, huaweicloud

ADAPTERS = (huaweicloud.adapt, aws.adapt)
