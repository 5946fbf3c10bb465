"""Structural models of satisfaction and loyalty (ECSI/ACSI) by PLS path modeling.

Describe a model in plain data with :func:`path_model` (or take :data:`ECSI_MOBI` /
:data:`ECSI_BANK`), fit it with :func:`fit_pls`, read reliability, discriminant validity and
bootstrap intervals from the result, and find what to improve first with :func:`ipma`.
"""

from loyaltylab.structural.bootstrap import PLSBootstrap
from loyaltylab.structural.ipma import IPMA, ipma
from loyaltylab.structural.model import ECSI_BANK, ECSI_MOBI, PathModel, path_model
from loyaltylab.structural.pls import PLSResult, fit_pls

__all__ = ["ECSI_BANK", "ECSI_MOBI", "IPMA", "PLSBootstrap", "PLSResult", "PathModel",
           "fit_pls", "ipma", "path_model"]
