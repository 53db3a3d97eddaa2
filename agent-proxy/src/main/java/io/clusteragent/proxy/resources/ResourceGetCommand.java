package io.clusteragent.proxy.resources;

import io.clusteragent.core.command.CommandContext;
import io.clusteragent.core.command.CommandHandler;
import io.clusteragent.core.command.CommandResult;
import io.clusteragent.core.command.JobClass;
import io.clusteragent.protocol.CommandException;
import io.clusteragent.protocol.ErrorCode;
import io.clusteragent.protocol.Payload;
import io.clusteragent.proxy.apiserver.ApiServerGet;
import io.clusteragent.proxy.objects.BoundedBuffer;
import io.clusteragent.proxy.objects.ObjectFilter;
import java.util.List;
import java.util.Set;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.JsonParser;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code resources.get}: one object by name, copied from the API server's answer through the {@link
 * ObjectFilter} into the reply. The agent holds at most {@link #MAX_OBJECT_BYTES} of it: more than
 * any object etcd stores.
 */
public final class ResourceGetCommand implements CommandHandler {

  static final int MAX_OBJECT_BYTES = 8 * 1024 * 1024;

  private static final Set<String> FIELDS =
      Set.of("group", "version", "resource", "namespace", "name", "secretValues");

  private static final JsonMapper JSON = JsonMapper.builder().build();

  private final ApiServerGet apiServer;
  private final ResourceAccess access;

  public ResourceGetCommand(ApiServerGet apiServer, ResourceAccess access) {
    this.apiServer = apiServer;
    this.access = access;
  }

  @Override
  public String type() {
    return "resources.get";
  }

  @Override
  public JobClass jobClass() {
    return JobClass.READ;
  }

  @Override
  public CommandResult handle(CommandContext context, JsonNode payload)
      throws CommandException, InterruptedException {
    Payload fields = Payload.of(payload, FIELDS);
    ResourceTarget target = ResourceTarget.object(fields);
    access.checkServed(target);
    ObjectFilter filter = access.filter(fields.optionalBoolean("secretValues").orElse(false));
    BoundedBuffer reply = new BoundedBuffer(MAX_OBJECT_BYTES);
    try (ApiServerGet.OpenResponse open =
            apiServer.open(
                target.path(),
                List.of(),
                "application/json",
                context.actor(),
                context.cancellation());
        JsonParser in = JSON.createParser(open.body());
        JsonGenerator out = JSON.createGenerator(reply)) {
      in.nextToken();
      filter.copy(in, out, target.isSecrets());
    } catch (BoundedBuffer.Full full) {
      throw new CommandException(
          ErrorCode.PAYLOAD_TOO_LARGE,
          "the object is " + full.getMessage() + "; the agent refuses it");
    } catch (JacksonException e) {
      throw ApiServerGet.unreadable(e, "an object", context.cancellation());
    }
    return new CommandResult.Raw("application/json", reply.toByteArray());
  }
}
