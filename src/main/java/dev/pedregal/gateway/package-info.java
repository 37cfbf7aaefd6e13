package dev.pedregal.gateway;
