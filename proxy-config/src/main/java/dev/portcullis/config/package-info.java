/** YAML configuration turned into immutable, validated records; the only place that reads the config file. */
package dev.portcullis.config;
