"""Scenario keycloak_aurora_global: Keycloak's database as an Aurora PostgreSQL global database.

Config section ``crossnet:aurora``: the keys of ``AuroraGlobalDbArgs`` plus
- ``name`` of the component [``keycloak``],
- ``sslmode`` for the JDBC URL [``verify-ca``; or ``require``]. ``verify-full`` is refused: the
  URL's host is the CNAME, which the RDS server certificate does not name,
- ``sslrootcert``: where Keycloak finds the RDS CA bundle
  [``/opt/keycloak/conf/rds-global-bundle.pem``, from https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem],
- ``application_role``: Keycloak's own login role [``{name: keycloak_app, schema: keycloak}``]. It is
  not the master user: AWS recommends against applications using the master user directly. The
  component creates it at deploy time (see ``components/aws/aurora/bootstrap.py``).

Outputs, beside the component's: ``kc_db_url`` (for ``KC_DB_URL``), ``kc_db_username`` (the role),
``kc_db_password`` (its password, secret), ``kc_db_schema`` (for ``KC_DB_SCHEMA``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, cast

from components.aws.aurora.args import ApplicationRole, Settings, validate
from components.validation import Problems, ValidationError
from stacks import pop_name

SECTION = "crossnet:aurora"
SSL_MODES = ("verify-ca", "require")
DEFAULT_SSLROOTCERT = "/opt/keycloak/conf/rds-global-bundle.pem"
DEFAULT_APPLICATION_ROLE = {"name": "keycloak_app", "schema": "keycloak"}


@dataclass(frozen=True)
class Config:
    name: str
    args: dict[str, Any]
    settings: Settings
    sslmode: str
    sslrootcert: str
    role: ApplicationRole


def configure(section: Mapping[str, Any]) -> Config:
    problems = Problems("stack config")
    args = dict(section)
    name = pop_name(args, SECTION, "keycloak", problems)
    sslmode = args.pop("sslmode", "verify-ca")
    sslrootcert = args.pop("sslrootcert", DEFAULT_SSLROOTCERT)
    if args.get("application_role") is None:
        args["application_role"] = dict(DEFAULT_APPLICATION_ROLE)
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
    if settings is None or settings.application_role is None:  # validate recorded a problem: never taken
        raise ValidationError(problems.subject, problems.items)
    return Config(
        name=name,
        args=args,
        settings=settings,
        sslmode=sslmode,
        sslrootcert=sslrootcert,
        role=settings.application_role,
    )


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
        "kc_db_username": config.role.name,
        "kc_db_password": db.application_role_password,
        "kc_db_schema": config.role.schema,
    }
