"""Azure components: ``components.azure.peering`` (AzureVnetPeering)."""
