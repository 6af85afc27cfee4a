using Cooper.Data;

namespace Cooper.Tests.Data;

public class ChatPromptTests
{
    [Fact]
    public void The_char_model_prompt_is_question_then_answer_cue()
    {
        Assert.Equal("Q: What is 2+3?\nA: ", ChatPrompt.ForCharModel("What is 2+3?"));
        var p = new MathProblem { Id = "1", Question = "What is 2+3?", ReferenceAnswer = "5", Solution = "Sum: 2+3=5.\nThe answer is \\boxed{5}." };
        Assert.Equal("Q: What is 2+3?\nA: Sum: 2+3=5.\nThe answer is \\boxed{5}.", ChatPrompt.CharTrainingText(p));
        Assert.Throws<ArgumentException>(() => ChatPrompt.CharTrainingText(p with { Solution = null }));
    }

    [Fact]
    public void The_chat_prompt_puts_the_boxed_instruction_in_the_system_message_or_after_the_question()
    {
        Assert.Equal(
            [new ChatMessage("system", "Please reason step by step, and put your final answer within \\boxed{}."), new ChatMessage("user", "What is 2+3?")],
            ChatPrompt.ForChatModel("What is 2+3?"));
        Assert.Equal(
            [new ChatMessage("user", "What is 2+3?\nPlease reason step by step, and put your final answer within \\boxed{}.")],
            ChatPrompt.ForChatModel("What is 2+3?", systemMessage: false));
    }
}
