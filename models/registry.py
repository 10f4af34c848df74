"""The MLflow model registry as every stage reads it: the client, the version behind an alias, and the champion.

Label scores with the champion, evaluate compares the candidate with it, publish ships it (after the release rule
of models/release.py), and the evaluate stage's registry module moves the aliases. They all find it here.
"""

from __future__ import annotations

from dataclasses import dataclass

from mlflow import MlflowClient
from mlflow.exceptions import MlflowException

# The alias of the version phones run.
ALIAS_CHAMPION = "champion"


@dataclass(frozen=True)
class Champion:
    """The registered version behind alias ``champion`` and the URI that loads it."""

    name: str
    version: str
    model_uri: str


def registry_client(tracking_uri: str) -> MlflowClient:
    """A client whose tracking and registry both live at ``tracking_uri``."""
    return MlflowClient(tracking_uri=tracking_uri, registry_uri=tracking_uri)


def is_missing(error: MlflowException) -> bool:
    """True when the registry answered that the model, version or alias does not exist."""
    return error.error_code in ("RESOURCE_DOES_NOT_EXIST", "INVALID_PARAMETER_VALUE", "NOT_FOUND")


def alias_version(client: MlflowClient, name: str, alias: str) -> str | None:
    """The version behind an alias, or None if the alias or the model does not exist."""
    try:
        return str(client.get_model_version_by_alias(name, alias).version)
    except MlflowException as error:
        if is_missing(error):
            return None
        raise


def model_version_uri(name: str, version: str) -> str:
    """``models:/<name>/<version>``: what ``mlflow.pyfunc.load_model`` loads a registered version from."""
    return f"models:/{name}/{version}"


def champion_version(client: MlflowClient, name: str) -> str | None:
    """The version behind alias ``champion``, or None before the first promotion."""
    return alias_version(client, name, ALIAS_CHAMPION)


def find_champion(client: MlflowClient, name: str) -> Champion | None:
    """The champion (version and the URI that loads it), or None before the first promotion."""
    version = champion_version(client, name)
    if version is None:
        return None
    return Champion(name, version, model_version_uri(name, version))
