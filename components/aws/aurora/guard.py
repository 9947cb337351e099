"""TeardownGuard: `pulumi destroy` stops before touching a database while the writer is elsewhere.

`pulumi destroy` deletes the secondaries' instances before the primary's (they depend on it). After a
switchover or failover one of those secondaries holds the writer, and RDS refuses to delete the last
instance of the writer's cluster ("Cannot delete the last instance of the master cluster";
terraform-provider-aws #26234, #29147): the stack is left half-deleted. The guard depends on every
cluster and instance, so Pulumi deletes it first; its delete reads the global cluster and raises,
with the exact switch-back command, unless the writer is in the first region. Nothing else is
deleted when it raises.

The check runs in the Pulumi CLI's Python process with boto3, with the credentials of the first
region's provider settings that boto3 can use (``profile``, then ``assume_roles`` in order); a
global cluster that no longer exists passes; a check that cannot run (credentials, network) refuses
too. With your own ``providers`` entry for the first region, the stack's ``aws:profile`` and
``aws:assumeRoles`` are used. ``teardown_check: false`` turns it off (run
``pulumi up`` first so the guard learns it), for a first region that is gone for good.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import pulumi
from pulumi.dynamic import CreateResult, DiffResult, Resource, ResourceProvider, UpdateResult

from .drill import TeardownRefusedError, check_teardown

ClientFor = Callable[[str], Any]  # region -> boto3 RDS client

WATCHED = ("global_cluster_id", "first_region", "command", "enforce", "profile", "roles")


def session_client(profile: str | None, roles: Sequence[dict[str, str]]) -> ClientFor:
    """RDS clients with the provider's credentials: the profile, then each role assumed in order."""

    def client_for(region: str) -> Any:
        import boto3

        session = boto3.Session(profile_name=profile) if profile else boto3.Session()
        for role in roles:
            extra = {"ExternalId": role["external_id"]} if role.get("external_id") else {}
            creds = session.client("sts", region_name=region).assume_role(
                RoleArn=role["role_arn"],
                RoleSessionName=role.get("session_name") or "crossnet-teardown-check",
                **extra,
            )["Credentials"]
            session = boto3.Session(
                aws_access_key_id=creds["AccessKeyId"],
                aws_secret_access_key=creds["SecretAccessKey"],
                aws_session_token=creds["SessionToken"],
            )
        return session.client("rds", region_name=region)

    return client_for


def refuse_unless_safe(props: dict[str, Any], client_for: ClientFor) -> None:
    """Raise TeardownRefusedError unless the writer is in the first region (or the cluster is gone)."""
    if not props.get("enforce", True):
        return
    first = props["first_region"]
    try:
        check_teardown(client_for(first), props["global_cluster_id"], first, props["command"])
    except LookupError:
        return  # the global cluster is gone: nothing for the destroy to trip over


class TeardownGuardProvider(ResourceProvider):
    def create(self, props: dict[str, Any]) -> CreateResult:
        return CreateResult(id_=f"{props['global_cluster_id']}-teardown-guard", outs=props)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        changed = any(olds.get(k) != news.get(k) for k in WATCHED)
        return DiffResult(changes=changed, replaces=[], stables=[], delete_before_replace=False)

    def update(self, _id: str, _olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        return UpdateResult(outs=news)

    def delete(self, _id: str, props: dict[str, Any]) -> None:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            refuse_unless_safe(props, session_client(props.get("profile"), props.get("roles") or []))
        except TeardownRefusedError as err:
            raise RuntimeError(f"crossnet refuses this teardown: {err}") from None
        except (BotoCoreError, ClientError) as err:
            # Not knowing where the writer is must not let a half-deleting destroy start either.
            raise RuntimeError(
                f"crossnet could not check where the writer of {props.get('global_cluster_id')} is "
                f"({err}); nothing was deleted. Fix the credentials, or run the check by hand "
                f"(drill --check-teardown {props.get('first_region')}) and set teardown_check: false, "
                f"pulumi up, then destroy."
            ) from None


class TeardownGuard(Resource, module="crossnet-aws", name="TeardownGuard"):
    def __init__(self, name: str, props: dict[str, Any], opts: pulumi.ResourceOptions | None = None):
        super().__init__(TeardownGuardProvider(), name, props, opts)
