"""JSON errors: {"error": {"code", "message", "details"}} with the right status."""

from __future__ import annotations

from flask import jsonify


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, details=None):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.details = details if details is not None else []


def error_response(status: int, code: str, message: str, details=None):
    body = {"error": {"code": code, "message": message,
                      "details": details if details is not None else []}}
    response = jsonify(body)
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="kakehashi"'
    return response
