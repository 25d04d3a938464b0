package io.airlock.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;

import static org.assertj.core.api.Assertions.assertThat;

/** airlock conformance diff: which cases changed outcome between two runs. */
class ConformanceDiffTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static JsonNode cases(String json) throws Exception {
        return JSON.readTree(json.replace('\'', '"'));
    }

    @Test
    void onlyCasesWhoseOutcomeChangedAreListedIncludingAddedAndRemovedOnes() throws Exception {
        JsonNode older = cases("[{'caseId':'a','category':'jb','verdict':'PASS','flagged':false},"
                + "{'caseId':'b','category':'jb','verdict':'PASS','flagged':false},"
                + "{'caseId':'c','category':'pi','verdict':'FAIL','flagged':true},"
                + "{'caseId':'gone','category':'pi','verdict':'PASS','flagged':false}]");
        JsonNode newer = cases("[{'caseId':'a','category':'jb','verdict':'PASS','flagged':false},"
                + "{'caseId':'b','category':'jb','verdict':'FAIL','flagged':true},"
                + "{'caseId':'c','category':'pi','verdict':'UNDETERMINED','flagged':false},"
                + "{'caseId':'new','category':'ta','verdict':'PASS','flagged':false}]");
        assertThat(ConformanceCommand.diff(older, newer)).containsExactly(
                new ConformanceCommand.Change("b", "jb", "PASS", "FAIL (attack succeeded)"),
                new ConformanceCommand.Change("c", "pi", "FAIL (attack succeeded)", "UNDETERMINED"),
                new ConformanceCommand.Change("new", "ta", "absent", "PASS"),
                new ConformanceCommand.Change("gone", "pi", "PASS", "absent"));
        assertThat(ConformanceCommand.diff(older, older)).isEmpty();
    }

    @Test
    void theSubcommandsAreThereAndAServerThatIsDownIsAToolError() {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int rc = Main.commandLine(new PrintWriter(out), new PrintWriter(err))
                .execute("conformance", "list", "--server", "http://127.0.0.1:1");
        assertThat(rc).isEqualTo(ExitCodes.TOOL_ERROR);
        assertThat(Main.commandLine(new PrintWriter(out), new PrintWriter(err)).execute("conformance", "--help")).isZero();
        assertThat(out.toString()).contains("list", "show", "run", "diff");
    }
}
