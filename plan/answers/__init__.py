"""Mock answers per topic; every module here is loaded by ``plan.mocks``."""
