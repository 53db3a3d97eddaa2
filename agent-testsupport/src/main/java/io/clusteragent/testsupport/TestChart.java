package io.clusteragent.testsupport;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A small real chart, packaged by the real helm: a ConfigMap carrying {@code .Values.greeting}, a
 * Deployment with {@code .Values.replicas} (kwok makes its pods ready) and, when {@code withExtra},
 * a second ConfigMap (so a later version can drop an object). Its values schema requires {@code
 * replicas} to be an integer from 0 to 10.
 */
public record TestChart(String name, String version, boolean withExtra) {

  /** Writes the chart under {@code dir} and packages it; returns the {@code .tgz}. */
  public Path packageInto(TestEnvironment env, Path dir) throws IOException {
    Path source = dir.resolve("src-" + name + "-" + version + (withExtra ? "-extra" : ""));
    Path chart = source.resolve(name);
    Files.createDirectories(chart.resolve("templates"));
    Files.writeString(
        chart.resolve("Chart.yaml"),
        """
        apiVersion: v2
        name: %s
        version: %s
        appVersion: "app-%s"
        """
            .formatted(name, version, version));
    Files.writeString(chart.resolve("values.yaml"), "greeting: hello\nreplicas: 1\n");
    Files.writeString(
        chart.resolve("values.schema.json"),
        """
        {"$schema": "https://json-schema.org/draft-07/schema#", "type": "object",
         "properties": {"replicas": {"type": "integer", "minimum": 0, "maximum": 10},
                        "greeting": {"type": "string"}}}
        """);
    Files.writeString(
        chart.resolve("templates/NOTES.txt"),
        "Say {{ .Values.greeting }} to {{ .Release.Name }}.\n");
    Files.writeString(
        chart.resolve("templates/configmap.yaml"),
        """
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: {{ .Release.Name }}-greeting
        data:
          greeting: {{ .Values.greeting | quote }}
          chartVersion: {{ .Chart.Version | quote }}
        """);
    Files.writeString(
        chart.resolve("templates/deployment.yaml"),
        """
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: {{ .Release.Name }}-web
        spec:
          replicas: {{ .Values.replicas }}
          selector:
            matchLabels: {app: {{ .Release.Name }}-web}
          template:
            metadata:
              labels: {app: {{ .Release.Name }}-web}
            spec:
              {{- with .Values.nodeSelector }}
              nodeSelector: {{ toJson . }}
              {{- end }}
              containers:
              - name: web
                image: example.invalid/web:1
        """);
    if (withExtra) {
      Files.writeString(
          chart.resolve("templates/extra.yaml"),
          """
          apiVersion: v1
          kind: ConfigMap
          metadata:
            name: {{ .Release.Name }}-extra
          data:
            extra: "yes"
          """);
    }
    Files.createDirectories(dir);
    env.helm("package", chart.toString(), "--destination", dir.toString()).assertSuccess();
    return dir.resolve(name + "-" + version + ".tgz");
  }
}
