"""Scenario keycloak_aurora_global: Keycloak's database as an Aurora PostgreSQL global database.

Config section ``crossnet:aurora``: the keys of ``AuroraGlobalDbArgs`` plus
- ``name`` of the component [``keycloak``],
- ``sslmode`` for the JDBC URL [``verify-ca``; or ``require``]. ``verify-full`` is refused: the
  URL's host is the CNAME, which the RDS server certificate does not name,
- ``sslrootcert``: where Keycloak finds the RDS CA bundle
  [``/opt/keycloak/conf/rds-global-bundle.pem``, from https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem].

Outputs, beside the component's: ``kc_db_url`` (for ``KC_DB_URL``), ``kc_db_username``,
``kc_db_password`` (secret).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, cast

from components.aws.aurora.args import Settings, validate
from components.validation import Problems, ValidationError
from stacks import pop_name

SECTION = "crossnet:aurora"
SSL_MODES = ("verify-ca", "require")
DEFAULT_SSLROOTCERT = "/opt/keycloak/conf/rds-global-bundle.pem"


@dataclass(frozen=True)
class Config:
    name: str
    args: dict[str, Any]
    settings: Settings
    sslmode: str
    sslrootcert: str


def configure(section: Mapping[str, Any]) -> Config:
    problems = Problems("stack config")
    args = dict(section)
    name = pop_name(args, SECTION, "keycloak", problems)
    sslmode = args.pop("sslmode", "verify-ca")
    sslrootcert = args.pop("sslrootcert", DEFAULT_SSLROOTCERT)
    if sslmode not in SSL_MODES:
        problems.add(
            f"{SECTION}.sslmode",
            sslmode,
            "verify-ca or require (verify-full fails: the CNAME is not in the RDS certificate)",
        )
    problems.string(
        sslrootcert, f"{SECTION}.sslrootcert", r"/[^\s?&]+", "an absolute path without spaces, '?' or '&'"
    )
    settings = validate(args, problems, prefix=f"{SECTION}.")
    problems.raise_if_any()
    if settings is None:  # validate returns None only after recording a problem: never taken
        raise ValidationError(problems.subject, problems.items)
    return Config(name=name, args=args, settings=settings, sslmode=sslmode, sslrootcert=sslrootcert)


def deploy(config: Config) -> dict[str, Any]:
    from components.aws.aurora import AuroraGlobalDb, AuroraGlobalDbArgs, jdbc_url

    db = AuroraGlobalDb(config.name, cast(AuroraGlobalDbArgs, config.args))
    return {
        "global_cluster_id": db.global_cluster_id,
        "global_writer_endpoint": db.global_writer_endpoint,
        "dns_name": db.dns_name,
        "regional": db.regional,
        "peering_connection_ids": db.peering_connection_ids,
        "kc_db_url": db.dns_name.apply(
            lambda host: jdbc_url(host, config.settings.database_name, config.sslrootcert, config.sslmode)
        ),
        "kc_db_username": config.settings.master_username,
        "kc_db_password": db.master_password,
    }
