"""Fixtures of the secure suite: the gateway with TLS and OIDC, tokens from the Keycloak the Java
integration test started (KEYCLOAK_ISSUER), and the local CA pyspark must trust
(GRPC_DEFAULT_SSL_ROOTS_FILE_PATH, read by gRPC itself)."""

from __future__ import annotations

import json
import os
import urllib.parse
import urllib.request

import pytest

CLIENT_SECRETS = {"ci-analytics": "ci-analytics-secret"}


@pytest.fixture(scope="session")
def issuer() -> str:
    value = os.environ.get("KEYCLOAK_ISSUER")
    if not value:
        raise pytest.UsageError("KEYCLOAK_ISSUER is not set (the Java integration test sets it)")
    assert os.environ.get("GRPC_DEFAULT_SSL_ROOTS_FILE_PATH"), "GRPC_DEFAULT_SSL_ROOTS_FILE_PATH must name the local CA"
    return value


@pytest.fixture(scope="session")
def token(issuer: str):
    """token('alice') for a user (password grant of pyspark-cli), token('ci-analytics') for the service account."""

    def fetch(principal: str) -> str:
        if principal in CLIENT_SECRETS:
            form = {"grant_type": "client_credentials", "client_id": principal,
                    "client_secret": CLIENT_SECRETS[principal]}
        else:
            form = {"grant_type": "password", "client_id": "pyspark-cli", "username": principal,
                    "password": principal + "-password", "scope": "openid"}
        request = urllib.request.Request(issuer + "/protocol/openid-connect/token",
                                         data=urllib.parse.urlencode(form).encode())
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read())["access_token"]

    return fetch


@pytest.fixture
def remote(gateway, token):
    """remote('alice', 'x-spark-team=analytics') → sc://localhost:<port>/;use_ssl=true;token=…;x-spark-team=analytics
    (pyspark uses TLS with a token, except for host "localhost", where use_ssl=true is needed)."""

    def make(principal: str, *params: str) -> str:
        hostport = gateway.remote[len("sc://"):].split("/")[0].replace("127.0.0.1", "localhost")
        return f"sc://{hostport}/;use_ssl=true;token={token(principal)}" + "".join(";" + p for p in params)

    return make
